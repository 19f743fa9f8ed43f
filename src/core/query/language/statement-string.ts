// InfluxQL's Statement.String() as influxql 1.6 prints it: the text InfluxDB puts in authorization
// errors ("statement '<text>', requires admin privilege"). Passwords print as [REDACTED], as 1.6 does.

import type { Expr, FillOption, SelectStatement, Source, Statement, WithKey } from './ast.js';
import { formatGoDuration, formatInfluxDuration } from './duration.js';
import { quoteIdentSegments } from './parser-base.js';
import { exprText, writeStatementText } from './statement-text.js';

export const REDACTED = '[REDACTED]';

function ident(name: string): string {
  return quoteIdentSegments([name]);
}

function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

function regexText(source: string): string {
  return `/${source.replace(/\//g, '\\/')}/`;
}

/** Measurement.String(): each segment quoted on its own, `db..m` when the policy is left out. */
export function sourceString(source: Source): string {
  if (source.kind === 'subquery') return `(${selectString(source.statement)})`;
  let text = '';
  if (source.database !== undefined && source.database !== '') text += `${ident(source.database)}.`;
  if (source.retentionPolicy !== undefined && source.retentionPolicy !== '') text += ident(source.retentionPolicy);
  if ((source.database ?? '') !== '' || (source.retentionPolicy ?? '') !== '') text += '.';
  if (source.name !== undefined && source.name !== '') text += ident(source.name);
  else if (source.regex !== undefined) text += regexText(source.regex);
  return text;
}

/** Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e6 (strconv 'g' with precision -1). */
export function goFloatText(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

function fillString(fill: FillOption): string {
  switch (fill.kind) {
    case 'null':
      return '';
    case 'none':
    case 'previous':
    case 'linear':
      return ` fill(${fill.kind})`;
    case 'number':
      return ` fill(${typeof fill.value === 'bigint' ? fill.value.toString() : goFloatText(fill.value)})`;
  }
}

function sourcesString(sources: readonly Source[]): string {
  return sources.map(sourceString).join(', ');
}

function exprs(list: readonly Expr[]): string {
  return list.map(exprText).join(', ');
}

export function selectString(s: SelectStatement): string {
  let text = 'SELECT ' + s.fields.map((f) => exprText(f.expr) + (f.alias !== undefined ? ` AS ${ident(f.alias)}` : '')).join(', ');
  if (s.target !== undefined) {
    const t = s.target;
    text += ' INTO ' + sourceString({ kind: 'measurement', ...(t.database !== undefined ? { database: t.database } : {}), ...(t.retentionPolicy !== undefined ? { retentionPolicy: t.retentionPolicy } : {}), ...(t.name !== undefined ? { name: t.name } : {}) });
    if (t.name === undefined || t.name === '') text += ':MEASUREMENT';
  }
  if (s.sources.length > 0) text += ` FROM ${sourcesString(s.sources)}`;
  if (s.condition !== undefined) text += ` WHERE ${exprText(s.condition)}`;
  if (s.dimensions.length > 0) text += ` GROUP BY ${exprs(s.dimensions)}`;
  text += fillString(s.fill);
  // The AST keeps only the direction: an explicit `ORDER BY time ASC` prints as the default.
  if (!s.ascending) text += ' ORDER BY time DESC';
  if (s.limit > 0) text += ` LIMIT ${s.limit}`;
  if (s.offset > 0) text += ` OFFSET ${s.offset}`;
  if (s.slimit > 0) text += ` SLIMIT ${s.slimit}`;
  if (s.soffset > 0) text += ` SOFFSET ${s.soffset}`;
  if (s.timezone !== undefined) text += ` TZ('${s.timezone}')`;
  return text;
}

function withKeyString(withKey: WithKey): string {
  if (withKey.op === 'IN') return ` WITH KEY IN (${withKey.keys.map(ident).join(', ')})`;
  if ('regex' in withKey) return ` WITH KEY ${withKey.op} ${regexText(withKey.regex)}`;
  return ` WITH KEY ${withKey.op} ${ident(withKey.key)}`;
}

interface ShowParts {
  readonly database?: string;
  readonly sources?: readonly Source[];
  readonly condition?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly limit?: number;
  readonly offset?: number;
}

function showTail(parts: ShowParts, between = ''): string {
  let text = parts.database !== undefined && parts.database !== '' ? ` ON ${ident(parts.database)}` : '';
  if (parts.sources !== undefined && parts.sources.length > 0) text += ` FROM ${sourcesString(parts.sources)}`;
  text += between;
  if (parts.condition !== undefined) text += ` WHERE ${exprText(parts.condition)}`;
  if (parts.groupBy !== undefined && parts.groupBy.length > 0) text += ` GROUP BY ${exprs(parts.groupBy)}`;
  if (parts.limit !== undefined && parts.limit > 0) text += ` LIMIT ${parts.limit}`;
  if (parts.offset !== undefined && parts.offset > 0) text += ` OFFSET ${parts.offset}`;
  return text;
}

function cardinality(what: string, exact: boolean): string {
  return `SHOW ${what}${exact ? ' EXACT' : ''} CARDINALITY`;
}

/** Statement.String() of influxql 1.6 for every statement the parser accepts. */
export function statementString(statement: Statement): string {
  switch (statement.kind) {
    case 'select':
      return selectString(statement);
    case 'explain':
      return `EXPLAIN ${statement.analyze ? 'ANALYZE ' : ''}${selectString(statement.statement)}`;
    case 'delete': {
      let text = 'DELETE';
      if (statement.sources.length > 0) text += ` FROM ${sourcesString(statement.sources)}`;
      return statement.condition !== undefined ? `${text} WHERE ${exprText(statement.condition)}` : text;
    }
    case 'show-databases':
      return 'SHOW DATABASES';
    case 'show-retention-policies':
      return `SHOW RETENTION POLICIES${showTail({ ...(statement.database !== undefined ? { database: statement.database } : {}) })}`;
    case 'show-measurements': {
      const source = statement.source;
      const withText = source === undefined ? '' : 'regex' in source ? ` WITH MEASUREMENT ${source.op} ${regexText(source.regex)}` : ` WITH MEASUREMENT ${source.op} ${ident(source.name)}`;
      return `SHOW MEASUREMENTS${showTail(statement, withText)}`;
    }
    case 'show-series':
      return `SHOW SERIES${showTail(statement)}`;
    case 'show-tag-keys': {
      let text = `SHOW TAG KEYS${showTail(statement)}`;
      if (statement.slimit > 0) text += ` SLIMIT ${statement.slimit}`;
      if (statement.soffset > 0) text += ` SOFFSET ${statement.soffset}`;
      return text;
    }
    case 'show-tag-values':
      return `SHOW TAG VALUES${showTail(statement, withKeyString(statement.withKey))}`;
    case 'show-field-keys':
      return `SHOW FIELD KEYS${showTail(statement)}`;
    case 'show-measurement-cardinality':
      return cardinality('MEASUREMENT', statement.exact) + showTail(statement);
    case 'show-series-cardinality':
      return cardinality('SERIES', statement.exact) + showTail(statement);
    case 'show-tag-key-cardinality':
      return cardinality('TAG KEY', statement.exact) + showTail(statement);
    case 'show-tag-values-cardinality':
      return cardinality('TAG VALUES', statement.exact) + showTail(statement, withKeyString(statement.withKey));
    case 'show-field-key-cardinality':
      return cardinality('FIELD KEY', statement.exact) + showTail(statement);
    case 'show-continuous-queries':
      return 'SHOW CONTINUOUS QUERIES';
    case 'show-users':
      return 'SHOW USERS';
    case 'show-grants':
      return `SHOW GRANTS FOR ${ident(statement.user)}`;
    case 'show-queries':
      return 'SHOW QUERIES';
    case 'show-shards':
      return 'SHOW SHARDS';
    case 'show-shard-groups':
      return 'SHOW SHARD GROUPS';
    case 'show-stats':
      return statement.module !== undefined ? `SHOW STATS FOR ${quoteString(statement.module)}` : 'SHOW STATS';
    case 'show-diagnostics':
      return statement.module !== undefined ? `SHOW DIAGNOSTICS FOR ${quoteString(statement.module)}` : 'SHOW DIAGNOSTICS';
    case 'show-subscriptions':
      return 'SHOW SUBSCRIPTIONS';
    case 'create-continuous-query': {
      let text = `CREATE CONTINUOUS QUERY ${ident(statement.name)} ON ${ident(statement.database)}`;
      if (statement.resampleEveryNs !== undefined || statement.resampleForNs !== undefined) {
        text += ' RESAMPLE';
        if (statement.resampleEveryNs !== undefined) text += ` EVERY ${formatInfluxDuration(statement.resampleEveryNs)}`;
        if (statement.resampleForNs !== undefined) text += ` FOR ${formatInfluxDuration(statement.resampleForNs)}`;
      }
      return `${text} BEGIN ${selectString(statement.statement)} END`;
    }
    case 'create-user':
      return `CREATE USER ${ident(statement.name)} WITH PASSWORD ${REDACTED}${statement.admin ? ' WITH ALL PRIVILEGES' : ''}`;
    case 'set-password':
      return `SET PASSWORD FOR ${ident(statement.name)} = ${REDACTED}`;
    case 'grant':
      return `GRANT ${privilegeWord(statement.privilege)} ON ${ident(statement.on)} TO ${ident(statement.user)}`;
    case 'grant-admin':
      return `GRANT ALL PRIVILEGES TO ${ident(statement.user)}`;
    case 'revoke':
      return `REVOKE ${privilegeWord(statement.privilege)} ON ${ident(statement.on)} FROM ${ident(statement.user)}`;
    case 'revoke-admin':
      return `REVOKE ALL PRIVILEGES FROM ${ident(statement.user)}`;
    case 'kill-query':
      return `KILL QUERY ${statement.id}${statement.host !== undefined ? ` ON ${ident(statement.host)}` : ''}`;
    case 'create-subscription':
      return `CREATE SUBSCRIPTION ${ident(statement.name)} ON ${ident(statement.database)}.${ident(statement.retentionPolicy)} DESTINATIONS ${statement.mode} ${statement.destinations.map(quoteString).join(', ')}`;
    case 'drop-subscription':
      return `DROP SUBSCRIPTION ${ident(statement.name)} ON ${ident(statement.database)}.${ident(statement.retentionPolicy)}`;
    case 'create-database': {
      let text = `CREATE DATABASE ${ident(statement.name)}`;
      if (statement.rpOptions === undefined && statement.rpName === undefined) return text;
      text += ' WITH';
      const o = statement.rpOptions;
      if (o?.durationNs !== undefined) text += ` DURATION ${formatGoDuration(o.durationNs)}`;
      if (o?.replicaN !== undefined) text += ` REPLICATION ${o.replicaN}`;
      if (o?.shardGroupDurationNs !== undefined && o.shardGroupDurationNs > 0n) text += ` SHARD DURATION ${formatGoDuration(o.shardGroupDurationNs)}`;
      if (statement.rpName !== undefined) text += ` NAME ${ident(statement.rpName)}`;
      return text;
    }
    default:
      // The remaining write statements print as the GET warning prints them.
      return writeStatementText(statement) ?? statement.kind.replace(/-/g, ' ').toUpperCase();
  }
}

function privilegeWord(privilege: 'READ' | 'WRITE' | 'ALL'): string {
  return privilege === 'ALL' ? 'ALL PRIVILEGES' : privilege;
}
