// Executes parsed InfluxQL statements against a QueryPort and returns InfluxDB 1.x results.
// Plans only: data access goes through port.runSql, catalog changes through applyMetaCommand.

import { isHyperbyteError } from '../../errors.js';
import type { MemoryLease } from '../../query-memory.js';
import type { MetaCommand, QueryPort, RetentionPolicySpec } from './query-port.js';
import type { Statement, StatementOf } from '../language/ast.js';
import { parseQuery } from '../language/parser.js';
import { INTERNAL_STATEMENT_ERROR, StatementError, type ResultSink, type Series, type StatementResult } from './result.js';
import { executeSelect, type SelectContext } from './select-executor.js';
import { streamSelect } from './select-stream.js';
import { executeShow, isShowStatement } from './show-executor.js';
import { executeUserStatement } from './user-statements.js';
import type { QueryPrincipal } from './query-authorizer.js';
import type { StatementObserver } from '../../services/statement-summary.js';
import { executeSelectInto } from './select-into.js';
import { withConsistentReads } from './consistent-reads.js';
import { readOnlyWarning, type SelectIntoContext } from '../language/statement-text.js';
import { deleteCommands, FieldsInDeletionError } from '../sql/delete-planner.js';
import { RowPacer } from './row-pacer.js';
import { firstShardId, monitorStatementAnswer } from './monitor-statements.js';
import { QUERY_KILLED_MESSAGE } from './query-tracker.js';
import { formatGoDuration, NS_PER } from '../language/duration.js';
import { noopTracer } from '../../tracing.js';
import { createContinuousQuery, dropContinuousQuery, showContinuousQueries } from './continuous-query-statements.js';

export interface ExecuteOptions {
  /** Default database (`db=` of the request); '' when absent. */
  readonly db: string;
  /** Default retention policy (`rp=`); the database's default when absent. */
  readonly rp?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
  /**
   * Most GROUP BY time() buckets one statement may fill, summed over its series (InfluxDB's
   * max-select-buckets, but never unlimited); default DEFAULT_MAX_SELECT_BUCKETS.
   */
  readonly maxSelectBuckets?: number;
  /** The request came as GET: write statements get InfluxDB's "deprecated use" warning message. */
  readonly readOnly?: boolean;
  /**
   * Chunked responses stream results unmerged: a failing statement reports its real error, then
   * one "not executed" result per remaining statement, all with the failing statement's id (1.6).
   */
  readonly chunked?: boolean;
  /** Under authentication: checks every statement before the first runs, and filters SHOW DATABASES. */
  readonly principal?: QueryPrincipal;
  /** Told of each statement as it starts and ends (the statement summary). */
  readonly observer?: StatementObserver;
  /** The query's share of the memory budget; without it nothing is counted. */
  readonly memory?: MemoryLease;
  /**
   * With `chunked`: results go here as they are made, and SELECTs whose series chDB returns in
   * answer order stream a series at a time (select-stream.ts); executeQuery then returns [].
   */
  readonly sink?: ResultSink;
}

export const NOT_EXECUTED = 'not executed';

/** A million filled buckets per statement: seconds of work and tens of MB of JSON at most. */
export const DEFAULT_MAX_SELECT_BUCKETS = 1_000_000;

/**
 * Parses and runs `text`. A parse error of the whole query throws QueryParseError (HTTP 400).
 * Statements run in order; the first failing one stops execution. As InfluxDB 1.6 merges its
 * results, the failing statement reports its own error only when it is the last statement;
 * otherwise it reports "not executed" and nothing follows.
 */
export async function executeQuery(text: string, options: ExecuteOptions, port: QueryPort): Promise<StatementResult[]> {
  const tracer = port.tracer ?? noopTracer;
  const statements = tracer.detail('query.parse', { 'hyperbytedb.query_bytes': text.length }, () => parseQuery(text, options.params ?? {}));
  options.principal?.authorize(statements, options.db);
  // One entry per query, as 1.x's task manager has it: SHOW QUERIES lists it, KILL QUERY stops it.
  const attached = port.queries?.attach(text, options.db, options.signal);
  const signal = attached === undefined ? options.signal : attached.signal;
  const statementOptions: ExecuteOptions = signal === undefined ? options : { ...options, signal };
  try {
    return await executeStatements(statements, statementOptions, port, { callerSignal: options.signal, killed: () => attached?.killed() === true });
  } finally {
    attached?.detach();
  }
}

async function executeStatements(
  statements: readonly Statement[],
  options: ExecuteOptions,
  port: QueryPort,
  run: { readonly callerSignal: AbortSignal | undefined; readonly killed: () => boolean },
): Promise<StatementResult[]> {
  const tracer = port.tracer ?? noopTracer;
  const results: StatementResult[] = [];
  const sink = options.chunked === true ? options.sink : undefined;
  const give = async (result: StatementResult): Promise<void> => {
    if (sink !== undefined) await sink.end(result);
    else results.push(result);
  };
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i] as Statement;
    const warning = options.readOnly === true ? readOnlyWarning(statement, selectIntoContext(statement, options.db, port)) : undefined;
    const messages = warning !== undefined ? { messages: [{ level: 'warning', text: warning }] } : {};
    const finished = options.observer?.started(statement);
    let result: StatementResult;
    try {
      if (run.killed()) throw new StatementError(QUERY_KILLED_MESSAGE);
      const series = await tracer.detail('query.execute', { 'hyperbytedb.statement': statement.kind, 'hyperbytedb.statement_id': i }, async () => {
        const streamed = sink !== undefined && statement.kind === 'select' && statement.target === undefined && (await streamSelect(statement, statementContext(options, port), (s) => sink.series(i, s)));
        return streamed ? [] : await executeStatement(statement, options, port);
      });
      finished?.();
      const unchunked = statement.kind !== 'select' ? { unchunked: true } : {};
      result = series.length > 0 ? { statement_id: i, series, ...messages, ...unchunked } : { statement_id: i, ...messages };
    } catch (err) {
      const failure = run.killed() ? { error: QUERY_KILLED_MESSAGE } : statementFailure(err);
      finished?.(failure.error);
      if (run.callerSignal?.aborted === true) throw err;
      if (options.chunked === true) {
        await give({ statement_id: i, ...failure });
        for (let j = i; j < statements.length - 1; j++) await give({ statement_id: i, error: NOT_EXECUTED });
      } else {
        await give(i < statements.length - 1 ? { statement_id: i, error: NOT_EXECUTED, ...causeOf(failure) } : { statement_id: i, ...failure });
      }
      break;
    }
    await give(result);
  }
  return results;
}

/** The request database and its default retention policy, which SELECT INTO's warning text names. */
function selectIntoContext(statement: Statement, db: string, port: QueryPort): SelectIntoContext | undefined {
  if (statement.kind !== 'select' || statement.target === undefined) return undefined;
  const view = port.schema.database(statement.target.database ?? db);
  const requestDb = port.schema.database(db);
  if (view === undefined || requestDb === undefined) return undefined;
  return { db, defaultRp: requestDb.defaultRetentionPolicy, targetDefaultRp: view.defaultRetentionPolicy };
}

/**
 * A statement's error as the client sees it: our typed errors (InfluxDB's wording) as they are;
 * anything else (a chDB exception with its code and stack, a broken invariant) as
 * INTERNAL_STATEMENT_ERROR, with the failure kept as `cause` for the server log.
 */
function statementFailure(err: unknown): { readonly error: string; readonly cause?: unknown } {
  if (err instanceof StatementError) return { error: err.message };
  if (isHyperbyteError(err)) return { error: err.message };
  return { error: INTERNAL_STATEMENT_ERROR, cause: err };
}

function causeOf(failure: { readonly cause?: unknown }): { readonly cause?: unknown } {
  return 'cause' in failure ? { cause: failure.cause } : {};
}

/** Statements that change something depending on what the catalog holds when they run. */
const DECIDES_FROM_CATALOG: ReadonlySet<Statement['kind']> = new Set<Statement['kind']>([
  'drop-database',
  'create-retention-policy',
  'alter-retention-policy',
  'drop-retention-policy',
  'drop-measurement',
  'delete',
  'drop-series',
  'drop-user',
  'set-password',
  'grant',
  'revoke',
  'grant-admin',
  'revoke-admin',
]);

/** What a statement runs with: the request's database, clock, signal, memory and bounds. */
function statementContext(options: ExecuteOptions, port: QueryPort): SelectContext {
  return {
    port,
    db: options.db,
    ...(options.rp !== undefined ? { rp: options.rp } : {}),
    nowNs: port.nowNs(),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.memory !== undefined ? { memory: options.memory } : {}),
    maxSelectBuckets: validMaxSelectBuckets(options.maxSelectBuckets ?? DEFAULT_MAX_SELECT_BUCKETS),
  };
}

/** Runs one statement; throws StatementError (or port errors) on failure. */
export async function executeStatement(statement: Statement, options: ExecuteOptions, port: QueryPort): Promise<Series[]> {
  const ctx = statementContext(options, port);
  if (statement.kind === 'select') return statement.target !== undefined ? executeSelectInto(statement, ctx) : withConsistentReads(ctx, (reading) => executeSelect(statement, reading));
  // Whether a database, policy, measurement or user exists decides what these change: a node whose
  // catalog is behind (a cluster node cut off) would acknowledge a no-op for a change made elsewhere.
  if (DECIDES_FROM_CATALOG.has(statement.kind)) await port.catalogBarrier?.();
  const meta = metaStatementAnswer(statement, port, options.db) ?? (await executeUserStatement(statement, port));
  if (meta !== undefined) return meta;
  if (statement.kind === 'show-databases' && options.principal !== undefined) {
    const principal = options.principal;
    const series = await executeShow(statement, ctx);
    return series.map((s) => ({ ...s, values: s.values.filter((row) => principal.listsDatabase(String(row[0]))) }));
  }
  const monitored = await monitorStatementAnswer(statement, port, options.signal);
  if (monitored !== undefined) return monitored;
  if (isShowStatement(statement)) return withConsistentReads(ctx, (reading) => executeShow(statement, reading));
  switch (statement.kind) {
    case 'create-database':
      requireValidName(statement.name);
      if (statement.rpName !== undefined && statement.rpName !== '') requireValidName(statement.rpName);
      await port.applyMetaCommand(createDatabaseCommand(statement));
      return [];
    case 'drop-database':
      if (port.schema.database(statement.name) !== undefined) await port.applyMetaCommand({ kind: 'drop-database', name: statement.name });
      return [];
    case 'create-retention-policy': {
      // 1.6.7's order: duration too low, invalid name, incompatible durations, database not found.
      validateRpDuration(statement.durationNs);
      requireValidName(statement.name);
      const shardGroupDurationNs = normaliseShardDuration(statement.shardGroupDurationNs ?? 0n, statement.durationNs);
      validateShardDuration(statement.durationNs, shardGroupDurationNs);
      requireDatabase(port, statement.database);
      const rp: RetentionPolicySpec = { name: statement.name, durationNs: statement.durationNs, shardGroupDurationNs, replicaN: statement.replicaN, makeDefault: statement.makeDefault };
      await port.applyMetaCommand({ kind: 'create-retention-policy', db: statement.database, rp });
      return [];
    }
    case 'alter-retention-policy': {
      const db = requireDatabase(port, statement.database);
      const existing = db.retentionPolicies.find((rp) => rp.name === statement.name);
      if (existing === undefined) throw new StatementError(`retention policy not found: ${statement.name}`);
      if (statement.durationNs !== undefined) validateRpDuration(statement.durationNs);
      await port.applyMetaCommand({
        kind: 'alter-retention-policy',
        db: statement.database,
        name: statement.name,
        ...(statement.durationNs !== undefined ? { durationNs: statement.durationNs } : {}),
        ...(statement.shardGroupDurationNs !== undefined
          ? { shardGroupDurationNs: normaliseShardDuration(statement.shardGroupDurationNs, statement.durationNs ?? existing.durationNs) }
          : {}),
        ...(statement.replicaN !== undefined ? { replicaN: statement.replicaN } : {}),
        ...(statement.makeDefault ? { makeDefault: true } : {}),
      });
      return [];
    }
    case 'drop-retention-policy': {
      // InfluxDB 1.x: dropping a policy of a missing database, or a missing policy, is no error.
      const db = port.schema.database(statement.database);
      if (db?.retentionPolicies.some((rp) => rp.name === statement.name)) {
        await port.applyMetaCommand({ kind: 'drop-retention-policy', db: statement.database, name: statement.name });
      }
      return [];
    }
    case 'create-continuous-query':
      await createContinuousQuery(statement, port, options.rp);
      return [];
    case 'drop-continuous-query':
      await dropContinuousQuery(statement, port);
      return [];
    case 'drop-measurement': {
      const db = defaultDatabase(port, options.db);
      await port.applyMetaCommand({ kind: 'drop-measurement', db: db.name, name: statement.name });
      return [];
    }
    case 'delete':
    case 'drop-series': {
      const db = defaultDatabase(port, options.db);
      let commands: MetaCommand[];
      try {
        commands = await deleteCommands(statement, db, ctx.nowNs, new RowPacer(ctx.signal));
      } catch (err) {
        if (!(err instanceof FieldsInDeletionError)) throw err;
        // 1.x refuses it from a shard of the database; with no shard there is nothing to refuse.
        const shard = await firstShardId(port, db.name, options.signal);
        if (shard === undefined) return [];
        throw new StatementError(`shard ${shard}: ${err.message}`);
      }
      for (const command of commands) await port.applyMetaCommand(command);
      return [];
    }
    default:
      throw new StatementError(unsupportedMessage(statement));
  }
}

/** 1.x's meta validName: printable, not empty, `.` or `..`, and no slash or backslash (names become paths). */
function requireValidName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name) || !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(name)) {
    throw new StatementError('invalid name');
  }
}

function validMaxSelectBuckets(n: number): number {
  if (!(Number.isSafeInteger(n) && n > 0)) throw new RangeError(`maxSelectBuckets must be a positive integer, got ${n}`);
  return n;
}

/**
 * Statements answered from the catalog alone (continuous queries), or from what HyperbyteDB does
 * not keep (subscriptions), shaped as InfluxDB 1.6 answers them; undefined for everything else.
 */
function metaStatementAnswer(statement: Statement, port: QueryPort, requestDb: string): Series[] | undefined {
  switch (statement.kind) {
    case 'show-continuous-queries':
      return showContinuousQueries(port.schema);
    case 'show-subscriptions':
      return [];
    case 'show-measurements':
      // An unknown database (ON or the request's) lists no measurements rather than failing.
      return unknownDatabase(port, statement.database ?? requestDb) ? [] : undefined;
    case 'show-series-cardinality':
    case 'show-measurement-cardinality':
      // 1.x estimates from a database's sketches: none for an unknown one is a count of 0.
      if (statement.exact || statement.sources.length > 0 || !unknownDatabase(port, statement.database ?? requestDb)) return undefined;
      return [{ columns: ['cardinality estimation'], values: [[0n]] }];
    default:
      return undefined;
  }
}

function unknownDatabase(port: QueryPort, name: string): boolean {
  return name !== '' && port.schema.database(name) === undefined;
}

function unsupportedMessage(statement: Statement): string {
  return `statement not supported: ${statement.kind.replace(/-/g, ' ').toUpperCase()}`;
}

function requireDatabase(port: QueryPort, name: string): NonNullable<ReturnType<QueryPort['schema']['database']>> {
  const db = port.schema.database(name);
  if (db === undefined) throw new StatementError(`database not found: ${name}`);
  return db;
}

/** InfluxDB reports a missing request database for DROP/DELETE as `database not found: ` (even when empty). */
function defaultDatabase(port: QueryPort, name: string): NonNullable<ReturnType<QueryPort['schema']['database']>> {
  return requireDatabase(port, name);
}

/** InfluxDB 1.x's ErrIncompatibleDurations, checked before the database is looked up. */
function validateShardDuration(durationNs: bigint, shardGroupDurationNs: bigint): void {
  if (durationNs > 0n && durationNs < shardGroupDurationNs) throw new StatementError('retention policy duration must be greater than the shard duration');
}

function validateRpDuration(durationNs: bigint): void {
  if (durationNs !== 0n && durationNs < NS_PER.h) throw new StatementError(`retention policy duration must be at least ${formatGoDuration(NS_PER.h)}`);
}

/** InfluxDB's shard group duration default/normalisation for a retention policy duration (under an hour: an hour). */
export function normaliseShardDuration(shardNs: bigint, durationNs: bigint): bigint {
  if (shardNs > 0n) return shardNs < NS_PER.h ? NS_PER.h : shardNs;
  if (durationNs === 0n || durationNs >= 180n * NS_PER.d) return 7n * NS_PER.d;
  if (durationNs >= 2n * NS_PER.d) return NS_PER.d;
  return NS_PER.h;
}

function createDatabaseCommand(statement: StatementOf<'create-database'>): MetaCommand {
  if (statement.rpOptions === undefined && statement.rpName === undefined) return { kind: 'create-database', name: statement.name };
  const durationNs = statement.rpOptions?.durationNs ?? 0n;
  validateRpDuration(durationNs);
  return {
    kind: 'create-database',
    name: statement.name,
    rpGiven: { duration: statement.rpOptions?.durationNs !== undefined, replicaN: statement.rpOptions?.replicaN !== undefined },
    rp: {
      name: statement.rpName ?? 'autogen',
      durationNs,
      // Normalised by the catalog: against an existing policy it is compared with that policy's duration.
      shardGroupDurationNs: statement.rpOptions?.shardGroupDurationNs ?? 0n,
      replicaN: statement.rpOptions?.replicaN ?? 1,
      makeDefault: true,
    },
  };
}
