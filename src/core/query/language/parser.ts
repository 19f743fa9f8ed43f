// InfluxQL statement parser: parseQuery(text) → Statement[] (recursive descent over lexer.ts).
// Never executes anything; errors are QueryParseError with influxql 1.x's exact text.

import { QueryParseError } from '../../errors.js';
import type { Expr, Privilege, RetentionPolicyOptions, SelectStatement, Source, Statement, WithKey, WithMeasurement } from './ast.js';
import { ParseFailure, ParserBase } from './parser-base.js';
import { groupByIntervalNs, isRawSelect, resampleForError } from './continuous-query-rules.js';
import { Lexer, type Token } from './lexer.js';

const INT32_MAX = 2147483647;

class Parser extends ParserBase {
  parseQuery(): Statement[] {
    const statements: Statement[] = [];
    let semi = true;
    for (;;) {
      const token = this.scanIgnoreWs();
      if (token.kind === 'EOF') return statements;
      if (token.kind === ';') {
        semi = true;
        continue;
      }
      if (!semi) throw this.error(token, [';']);
      this.unscan();
      statements.push(this.parseStatement());
      semi = false;
    }
  }

  parseStatement(): Statement {
    const token = this.scanIgnoreWs();
    switch (token.kind) {
      case 'SELECT':
        return this.parseSelectStatement('optional');
      case 'DELETE':
        return this.parseDelete();
      case 'SHOW':
        return this.parseShow();
      case 'CREATE':
        return this.parseCreate();
      case 'DROP':
        return this.parseDrop();
      case 'EXPLAIN': {
        const analyze = this.accept('ANALYZE');
        this.expect('SELECT');
        return { kind: 'explain', analyze, statement: this.parseSelectStatement('optional') };
      }
      case 'GRANT':
        return this.parseGrantRevoke(true);
      case 'REVOKE':
        return this.parseGrantRevoke(false);
      case 'ALTER':
        this.expect('RETENTION');
        this.expect('POLICY');
        return this.parseAlterRetentionPolicy();
      case 'SET':
        return this.parseSetPassword();
      case 'KILL':
        return this.parseKillQuery();
      default:
        throw this.error(token, ['SELECT', 'DELETE', 'SHOW', 'CREATE', 'DROP', 'EXPLAIN', 'GRANT', 'REVOKE', 'ALTER', 'SET', 'KILL']);
    }
  }

  private parseOn(): string | undefined {
    return this.accept('ON') ? this.parseIdent() : undefined;
  }

  private parseFrom(): Source[] {
    return this.accept('FROM') ? this.parseSources(false) : [];
  }

  private parseDelete(): Statement {
    const token = this.scanIgnoreWs();
    let sources: Source[] = [];
    if (token.kind === 'FROM') sources = this.parseSources(false);
    else this.unscan();
    const condition = this.parseCondition();
    if (condition === undefined && sources.length === 0) throw this.error(token, ['FROM', 'WHERE']);
    return { kind: 'delete', sources, ...(condition !== undefined ? { condition } : {}) };
  }

  private parseShow(): Statement {
    const token = this.scanIgnoreWs();
    switch (token.kind) {
      case 'CONTINUOUS':
        this.expect('QUERIES');
        return { kind: 'show-continuous-queries' };
      case 'DATABASES':
        return { kind: 'show-databases' };
      case 'DIAGNOSTICS':
        return { kind: 'show-diagnostics', ...this.parseOptionalFor() };
      case 'FIELD': {
        const next = this.scanIgnoreWs();
        if (next.kind === 'KEYS') return { kind: 'show-field-keys', ...this.parseShowCommon({ where: false }) };
        if (next.kind === 'KEY') return this.parseCardinality('show-field-key-cardinality');
        throw this.error(next, ['KEY', 'KEYS']);
      }
      case 'GRANTS':
        this.expect('FOR');
        return { kind: 'show-grants', user: this.parseIdent() };
      case 'MEASUREMENT':
        return this.parseCardinality('show-measurement-cardinality');
      case 'MEASUREMENTS':
        return this.parseShowMeasurements();
      case 'QUERIES':
        return { kind: 'show-queries' };
      case 'RETENTION': {
        this.expect('POLICIES');
        const database = this.parseOn();
        return { kind: 'show-retention-policies', ...(database !== undefined ? { database } : {}) };
      }
      case 'SERIES': {
        const next = this.scanIgnoreWs();
        if (next.kind === 'EXACT' || next.kind === 'CARDINALITY') {
          this.unscan();
          return this.parseCardinality('show-series-cardinality', false);
        }
        this.unscan();
        return { kind: 'show-series', ...this.parseShowCommon({ where: true }) };
      }
      case 'SHARD':
        this.expect('GROUPS');
        return { kind: 'show-shard-groups' };
      case 'SHARDS':
        return { kind: 'show-shards' };
      case 'STATS':
        return { kind: 'show-stats', ...this.parseOptionalFor() };
      case 'SUBSCRIPTIONS':
        return { kind: 'show-subscriptions' };
      case 'TAG':
        return this.parseShowTag();
      case 'USERS':
        return { kind: 'show-users' };
      default:
        throw this.error(token, [
          'CONTINUOUS', 'DATABASES', 'DIAGNOSTICS', 'FIELD', 'GRANTS', 'MEASUREMENT', 'MEASUREMENTS', 'QUERIES',
          'RETENTION', 'SERIES', 'SHARD', 'SHARDS', 'STATS', 'SUBSCRIPTIONS', 'TAG', 'USERS',
        ]);
    }
  }

  private parseOptionalFor(): { module?: string } {
    return this.accept('FOR') ? { module: this.parseString() } : {};
  }

  private parseShowTag(): Statement {
    const next = this.scanIgnoreWs();
    if (next.kind === 'KEYS') {
      const common = this.parseShowCommon({ where: true });
      const slimit = this.parseOptionalTokenAndInt('SLIMIT');
      const soffset = this.parseOptionalTokenAndInt('SOFFSET');
      return { kind: 'show-tag-keys', ...common, slimit, soffset };
    }
    if (next.kind === 'KEY') return this.parseCardinality('show-tag-key-cardinality');
    if (next.kind !== 'VALUES') throw this.error(next, ['KEY', 'KEYS', 'VALUES']);
    const card = this.scanIgnoreWs();
    this.unscan();
    if (card.kind === 'EXACT' || card.kind === 'CARDINALITY') return this.parseCardinality('show-tag-values-cardinality', false);
    const database = this.parseOn();
    const sources = this.parseFrom();
    const withKey = this.parseWithKey();
    const condition = this.parseCondition();
    this.parseShowOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return {
      kind: 'show-tag-values',
      ...(database !== undefined ? { database } : {}),
      sources,
      withKey,
      ...(condition !== undefined ? { condition } : {}),
      limit,
      offset,
    };
  }

  private parseWithKey(): WithKey {
    this.expect('WITH');
    this.expect('KEY');
    const op = this.scanIgnoreWs();
    if (op.kind === 'IN') {
      this.expect('(');
      const keys = this.parseIdentList();
      this.expect(')');
      return { op: 'IN', keys };
    }
    if (op.kind === '=' || op.kind === '!=') return { op: op.kind, key: this.parseIdent() };
    if (op.kind === '=~' || op.kind === '!~') return { op: op.kind, regex: this.parseRequiredRegex() };
    throw this.error(op, ['IN', '=', '=~']);
  }

  /** [ON db] [FROM sources] [WHERE] [ORDER BY] [LIMIT] [OFFSET]. */
  private parseShowCommon(options: { where: boolean }): {
    database?: string;
    sources: Source[];
    condition?: Expr;
    limit: number;
    offset: number;
  } {
    const database = this.parseOn();
    const sources = this.parseFrom();
    const condition = options.where ? this.parseCondition() : undefined;
    this.parseShowOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return {
      ...(database !== undefined ? { database } : {}),
      sources,
      ...(condition !== undefined ? { condition } : {}),
      limit,
      offset,
    };
  }

  private parseShowOrderBy(): void {
    if (!this.accept('ORDER')) return;
    this.expect('BY');
    const token = this.scanIgnoreWs();
    if (token.kind === 'ASC' || token.kind === 'DESC') return;
    if (token.kind !== 'IDENT') throw this.error(token, ['identifier', 'ASC', 'DESC']);
    const dir = this.scanIgnoreWs();
    if (dir.kind !== 'ASC' && dir.kind !== 'DESC') this.unscan();
  }

  private parseCardinality<K extends 'show-measurement-cardinality' | 'show-series-cardinality' | 'show-tag-key-cardinality' | 'show-tag-values-cardinality' | 'show-field-key-cardinality'>(
    kind: K,
    _unused = true,
  ): Statement {
    const first = this.scanIgnoreWs();
    let exact = false;
    if (first.kind === 'EXACT') {
      exact = true;
      this.expect('CARDINALITY');
    } else if (first.kind !== 'CARDINALITY') {
      throw this.error(first, ['EXACT', 'CARDINALITY']);
    }
    const database = this.parseOn();
    const sources = this.parseFrom();
    const withKey = kind === 'show-tag-values-cardinality' ? this.parseWithKey() : undefined;
    const condition = this.parseCondition();
    const groupBy = this.parseDimensions();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    const common = {
      exact,
      ...(database !== undefined ? { database } : {}),
      sources,
      ...(condition !== undefined ? { condition } : {}),
      groupBy,
      limit,
      offset,
    };
    if (kind === 'show-tag-values-cardinality') return { kind, ...common, withKey: withKey as WithKey };
    return { kind: kind as Exclude<K, 'show-tag-values-cardinality'>, ...common } as Statement;
  }

  private parseShowMeasurements(): Statement {
    const database = this.parseOn();
    let source: WithMeasurement | undefined;
    if (this.accept('WITH')) {
      this.expect('MEASUREMENT');
      const op = this.scanIgnoreWs();
      if (op.kind !== '=' && op.kind !== '=~') throw this.error(op, ['=', '=~']);
      const s = this.parseSource(false);
      if (s.kind === 'measurement' && s.regex !== undefined) source = { op: '=~', regex: s.regex };
      else if (s.kind === 'measurement' && s.name !== undefined) source = { op: '=', name: s.name };
    }
    const condition = this.parseCondition();
    this.parseShowOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    return {
      kind: 'show-measurements',
      ...(database !== undefined ? { database } : {}),
      ...(source !== undefined ? { source } : {}),
      ...(condition !== undefined ? { condition } : {}),
      limit,
      offset,
    };
  }

  private parseCreate(): Statement {
    const token = this.scanIgnoreWs();
    switch (token.kind) {
      case 'CONTINUOUS':
        this.expect('QUERY');
        return this.parseCreateContinuousQuery();
      case 'DATABASE':
        return this.parseCreateDatabase();
      case 'USER':
        return this.parseCreateUser();
      case 'RETENTION':
        this.expect('POLICY');
        return this.parseCreateRetentionPolicy();
      case 'SUBSCRIPTION':
        return this.parseCreateSubscription();
      default:
        throw this.error(token, ['CONTINUOUS', 'DATABASE', 'USER', 'RETENTION', 'SUBSCRIPTION']);
    }
  }

  private parseCreateDatabase(): Statement {
    const name = this.parseIdent();
    if (!this.accept('WITH')) return { kind: 'create-database', name };
    const first = this.scanIgnoreWs();
    if (first.kind !== 'DURATION' && first.kind !== 'REPLICATION' && first.kind !== 'SHARD' && first.kind !== 'NAME') {
      throw this.error(first, ['DURATION', 'NAME', 'REPLICATION', 'SHARD']);
    }
    this.unscan();
    const options: { durationNs?: bigint; replicaN?: number; shardGroupDurationNs?: bigint } = {};
    let rpName: string | undefined;
    if (this.accept('DURATION')) options.durationNs = this.parseDurationValue();
    if (this.accept('REPLICATION')) options.replicaN = this.parseInt(1, INT32_MAX);
    if (this.accept('SHARD')) {
      this.expect('DURATION');
      options.shardGroupDurationNs = this.parseDurationValue();
    }
    if (this.accept('NAME')) rpName = this.parseIdent();
    return { kind: 'create-database', name, rpOptions: options, ...(rpName !== undefined ? { rpName } : {}) };
  }

  private parseCreateRetentionPolicy(): Statement {
    const name = this.parseIdent();
    this.expect('ON');
    const database = this.parseIdent();
    this.expect('DURATION');
    const durationNs = this.parseDurationValue();
    this.expect('REPLICATION');
    const replicaN = this.parseInt(1, INT32_MAX);
    let shardGroupDurationNs: bigint | undefined;
    if (this.accept('SHARD')) {
      this.expect('DURATION');
      const inf = this.scanIgnoreWs();
      if (inf.kind === 'INF') throw this.errorAt('invalid duration INF for shard duration', inf.offset);
      this.unscan();
      shardGroupDurationNs = this.parseDurationValue();
    }
    const makeDefault = this.accept('DEFAULT');
    return {
      kind: 'create-retention-policy',
      name,
      database,
      durationNs,
      replicaN,
      ...(shardGroupDurationNs !== undefined ? { shardGroupDurationNs } : {}),
      makeDefault,
    };
  }

  private parseAlterRetentionPolicy(): Statement {
    const name = this.parseIdent();
    this.expect('ON');
    const database = this.parseIdent();
    const options: { -readonly [K in keyof RetentionPolicyOptions]: RetentionPolicyOptions[K] } = { makeDefault: false };
    const found = new Set<string>();
    for (;;) {
      const token = this.scanIgnoreWs();
      if (found.has(token.kind)) throw this.errorAt(`found duplicate ${token.kind} option`, token.offset);
      if (token.kind === 'DURATION') options.durationNs = this.parseDurationValue();
      else if (token.kind === 'REPLICATION') options.replicaN = this.parseInt(1, INT32_MAX);
      else if (token.kind === 'SHARD') {
        this.expect('DURATION');
        options.shardGroupDurationNs = this.parseDurationValue();
      } else if (token.kind === 'DEFAULT') options.makeDefault = true;
      else {
        if (found.size === 0) throw this.error(token, ['DURATION', 'REPLICATION', 'SHARD', 'DEFAULT']);
        this.unscan();
        break;
      }
      found.add(token.kind);
    }
    return { kind: 'alter-retention-policy', name, database, ...options };
  }

  private parseCreateContinuousQuery(): Statement {
    const name = this.parseIdent();
    this.expect('ON');
    const database = this.parseIdent();
    let resampleEveryNs: bigint | undefined;
    let resampleForNs: bigint | undefined;
    if (this.accept('RESAMPLE')) {
      if (this.accept('EVERY')) resampleEveryNs = this.parseDurationValue();
      if (this.accept('FOR')) resampleForNs = this.parseDurationValue();
      if (resampleEveryNs === undefined && resampleForNs === undefined) throw this.error(this.scanIgnoreWs(), ['EVERY', 'FOR']);
    }
    this.expect('BEGIN');
    const selectToken = this.expect('SELECT');
    const statement = this.parseSelectStatement('required');
    // An aggregate needs GROUP BY time(); influxql names the SELECT's last token.
    if (!isRawSelect(statement) && groupByIntervalNs(statement) === 0n) throw this.error(this.lastTokenBefore(selectToken.offset), ['GROUP BY time(...)']);
    const endToken = this.expect('END');
    const forError = resampleForError(statement, resampleEveryNs ?? 0n, resampleForNs ?? 0n);
    if (forError !== undefined) throw new ParseFailure(forError);
    const text = this.text.slice(selectToken.offset, endToken.offset).trim();
    return {
      kind: 'create-continuous-query',
      name,
      database,
      ...(resampleEveryNs !== undefined ? { resampleEveryNs } : {}),
      ...(resampleForNs !== undefined ? { resampleForNs } : {}),
      statement,
      text,
    };
  }

  /** The last token from `from` up to the next one to be read (influxql unscans back to it for messages). */
  private lastTokenBefore(from: number): Token {
    const next = this.scanIgnoreWs();
    this.unscan();
    const lexer = new Lexer(this.text);
    lexer.reset(from);
    let last = next;
    while (lexer.position < next.offset) {
      const token = lexer.scan();
      if (token.kind === 'EOF') break;
      if (token.kind !== 'WS' && token.kind !== 'COMMENT' && token.offset < next.offset) last = token;
    }
    return last;
  }

  private parseCreateUser(): Statement {
    const name = this.parseIdent();
    this.expect('WITH');
    this.expect('PASSWORD');
    const password = this.parseString();
    let admin = false;
    if (this.accept('WITH')) {
      this.expect('ALL');
      this.expect('PRIVILEGES');
      admin = true;
    }
    return { kind: 'create-user', name, password, admin };
  }

  private parseCreateSubscription(): Statement {
    const name = this.parseIdent();
    this.expect('ON');
    const database = this.parseIdent();
    this.expect('.');
    const retentionPolicy = this.parseIdent();
    this.expect('DESTINATIONS');
    const mode = this.scanIgnoreWs();
    if (mode.kind !== 'ANY' && mode.kind !== 'ALL') throw this.error(mode, ['ALL', 'ANY']);
    const destinations = [this.parseString()];
    while (this.accept(',')) destinations.push(this.parseString());
    return { kind: 'create-subscription', name, database, retentionPolicy, mode: mode.kind, destinations };
  }

  private parseDrop(): Statement {
    const token = this.scanIgnoreWs();
    switch (token.kind) {
      case 'CONTINUOUS': {
        this.expect('QUERY');
        const name = this.parseIdent();
        this.expect('ON');
        return { kind: 'drop-continuous-query', name, database: this.parseIdent() };
      }
      case 'DATABASE':
        return { kind: 'drop-database', name: this.parseIdent() };
      case 'MEASUREMENT':
        return { kind: 'drop-measurement', name: this.parseIdent() };
      case 'RETENTION': {
        this.expect('POLICY');
        const name = this.parseIdent();
        this.expect('ON');
        return { kind: 'drop-retention-policy', name, database: this.parseIdent() };
      }
      case 'SERIES': {
        const next = this.scanIgnoreWs();
        this.unscan();
        const sources = this.parseFrom();
        const condition = this.parseCondition();
        if (sources.length === 0 && condition === undefined) throw this.error(next, ['FROM', 'WHERE']);
        return { kind: 'drop-series', sources, ...(condition !== undefined ? { condition } : {}) };
      }
      case 'SHARD':
        return { kind: 'drop-shard', id: this.parseUInt64() };
      case 'SUBSCRIPTION': {
        const name = this.parseIdent();
        this.expect('ON');
        const database = this.parseIdent();
        this.expect('.');
        return { kind: 'drop-subscription', name, database, retentionPolicy: this.parseIdent() };
      }
      case 'USER':
        return { kind: 'drop-user', name: this.parseIdent() };
      default:
        throw this.error(token, ['CONTINUOUS', 'DATABASE', 'MEASUREMENT', 'RETENTION', 'SERIES', 'SHARD', 'SUBSCRIPTION', 'USER']);
    }
  }

  private parseGrantRevoke(grant: boolean): Statement {
    const token = this.scanIgnoreWs();
    let privilege: Privilege;
    if (token.kind === 'READ' || token.kind === 'WRITE') privilege = token.kind;
    else if (token.kind === 'ALL') {
      privilege = 'ALL';
      this.accept('PRIVILEGES');
    } else throw this.error(token, ['READ', 'WRITE', 'ALL [PRIVILEGES]']);
    const userWord = grant ? 'TO' : 'FROM';
    if (privilege === 'ALL') {
      const next = this.scanIgnoreWs();
      if (next.kind === userWord) {
        const user = this.parseIdent();
        return grant ? { kind: 'grant-admin', user } : { kind: 'revoke-admin', user };
      }
      if (next.kind !== 'ON') throw this.error(next, ['ON', userWord]);
    } else {
      this.expect('ON');
    }
    const on = this.parseIdent();
    this.expect(userWord);
    const user = this.parseIdent();
    return grant ? { kind: 'grant', privilege, on, user } : { kind: 'revoke', privilege, on, user };
  }

  private parseSetPassword(): Statement {
    this.expect('PASSWORD');
    this.expect('FOR');
    const name = this.parseIdent();
    this.expect('=');
    return { kind: 'set-password', name, password: this.parseString() };
  }

  private parseKillQuery(): Statement {
    this.expect('QUERY');
    const id = this.parseUInt64();
    const host = this.accept('ON') ? this.parseIdent() : undefined;
    return { kind: 'kill-query', id, ...(host !== undefined ? { host } : {}) };
  }
}

/** The prefix InfluxDB puts in front of every parse error message. */
export const PARSE_ERROR_PREFIX = 'error parsing query: ';

/**
 * Parses a query string into statements. `params` binds `$name` placeholders (strings, numbers,
 * booleans, or `{identifier: ...}`). Throws QueryParseError whose message is InfluxDB's
 * `error parsing query: ...` text.
 */
export function parseQuery(text: string, params: Readonly<Record<string, unknown>> = {}): Statement[] {
  try {
    return new Parser(text, params).parseQuery();
  } catch (err) {
    if (err instanceof ParseFailure) throw new QueryParseError(PARSE_ERROR_PREFIX + err.message);
    throw err;
  }
}

/** Parses a single SELECT (used for continuous query bodies and tests). */
export function parseSelect(text: string): SelectStatement {
  const [statement] = parseQuery(text);
  if (statement === undefined || statement.kind !== 'select') throw new QueryParseError(`${PARSE_ERROR_PREFIX}not a SELECT statement`);
  return statement;
}
