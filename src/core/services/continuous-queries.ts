// The continuous query scheduler: every run interval, runs each due query over the range InfluxDB
// 1.x would (cq-schedule.ts), writes its results through the normal write path, then records the
// run in the catalog (through the writer, so in a cluster every node knows where the next leader
// resumes). Only where shouldRun() holds (the Raft leader); it never runs two ticks at once.

import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Service } from '../service.js';
import type { CatalogWriter } from '../meta/catalog-applier.js';
import type { SchemaView } from '../meta/schema-view.js';
import type { ContinuousQueryInfo } from '../meta/continuous-queries.js';
import type { Expr, SelectStatement, StatementOf } from '../query/language/ast.js';
import { parseQuery } from '../query/language/parser.js';
import { groupByIntervalNs, groupByOffsetNs, isRawSelect } from '../query/language/continuous-query-rules.js';
import { zoneOffsetSeconds } from '../query/language/time-zone.js';
import { PartialWriteError } from '../errors.js';
import { nextContinuousQueryRun, UTC, type ContinuousQueryTiming, type ZoneOffset } from './cq-schedule.js';
import { PeriodicTask } from './periodic-task.js';

export interface ContinuousQueryOptions {
  readonly enabled: boolean;
  /** How often due queries are looked for (InfluxDB's run-interval). */
  readonly runIntervalMs: number;
}

export const defaultContinuousQueryOptions: ContinuousQueryOptions = { enabled: true, runIntervalMs: 10_000 };

export function validateContinuousQueryOptions(options: ContinuousQueryOptions): void {
  if (!(Number.isSafeInteger(options.runIntervalMs) && options.runIntervalMs >= 100 && options.runIntervalMs <= 3_600_000)) {
    throw new Error('continuous_queries.run_interval must be from 100ms to 1h');
  }
}

export interface ContinuousQueryMetrics {
  readonly runs: Counter;
  readonly pointsWritten: Counter;
  readonly errors: Counter;
  readonly duration: Histogram;
}

export function createContinuousQueryMetrics(registry: Registry): ContinuousQueryMetrics {
  const registers = [registry];
  return {
    runs: new Counter({ name: 'hyperbytedb_cq_runs_total', help: 'Continuous query executions over a time range.', registers }),
    pointsWritten: new Counter({ name: 'hyperbytedb_cq_points_written_total', help: 'Points written by continuous queries.', registers }),
    errors: new Counter({ name: 'hyperbytedb_cq_errors_total', help: 'Continuous query executions that failed (retried at the next run interval).', registers }),
    duration: new Histogram({
      name: 'hyperbytedb_cq_duration_seconds',
      help: 'Time to execute one continuous query and write its results.',
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }),
  };
}

export interface ContinuousQueryDeps {
  readonly schema: () => SchemaView;
  /** Records runs; in a cluster it proposes through Raft. */
  readonly writer: Pick<CatalogWriter, 'apply'>;
  /** Runs a SELECT … INTO in `db` through the engine's query path; resolves to the points written. */
  readonly runSelectInto: (select: SelectStatement, db: string) => Promise<number>;
  /** Whether this node runs the queries now (a cluster: only its Raft leader, confirmed by a quorum). */
  readonly shouldRun: () => boolean | Promise<boolean>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ContinuousQueryMetrics;
}

interface Parsed {
  readonly statement: StatementOf<'create-continuous-query'> | null;
  readonly problem: string | null;
}

export class ContinuousQueryService implements Service {
  readonly name = 'continuous-queries';
  private readonly task: PeriodicTask;
  /** Parsed definitions by text; bounded by the catalog's queries (pruned every tick). */
  private readonly parsed = new Map<string, Parsed>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly options: ContinuousQueryOptions,
    private readonly deps: ContinuousQueryDeps,
  ) {
    validateContinuousQueryOptions(options);
    this.task = new PeriodicTask(options.runIntervalMs, () => this.runDue(), { clock: deps.clock, log: deps.log, failure: 'continuous queries: tick failed' });
  }

  async start(): Promise<void> {
    if (this.options.enabled) this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** Runs every query that is due now (one tick); exported for tests and the admin path. */
  async runDue(): Promise<void> {
    // Asked only when there is a query to run: in a cluster it costs a round to every peer.
    const schema = this.deps.schema();
    if (!schema.databaseNames().some((db) => (schema.database(db)?.continuousQueries?.length ?? 0) > 0)) return;
    if (!(await this.deps.shouldRun())) return;
    const live = new Set<string>();
    for (const db of schema.databaseNames()) {
      for (const cq of schema.database(db)?.continuousQueries ?? []) {
        if (this.task.stopping) return;
        live.add(cq.query);
        await this.runOne(db, cq);
      }
    }
    for (const text of this.parsed.keys()) if (!live.has(text)) this.parsed.delete(text);
  }

  private async runOne(db: string, cq: ContinuousQueryInfo): Promise<void> {
    const { statement, problem } = this.parse(cq.query);
    if (statement === null) {
      this.reportOnce(cq.query, db, cq.name, problem ?? 'not a continuous query');
      return;
    }
    const select = statement.statement;
    const timing: ContinuousQueryTiming = {
      intervalNs: groupByIntervalNs(select),
      offsetNs: groupByOffsetNs(select),
      resampleEveryNs: statement.resampleEveryNs ?? 0n,
      resampleForNs: statement.resampleForNs ?? 0n,
    };
    const zone: ZoneOffset = select.timezone === undefined ? UTC : (ns) => BigInt(zoneOffsetSeconds(select.timezone!, ns)) * 1_000_000_000n;
    const nowNs = BigInt(this.deps.clock.nowMs()) * 1_000_000n;
    const run = nextContinuousQueryRun(timing, cq.lastRunNs, nowNs, zone);
    if (run === null) return;
    if (run.window !== null) {
      const started = this.deps.clock.monotonicMs();
      this.deps.metrics.runs.inc();
      try {
        const written = await this.deps.runSelectInto(withTimeRange(select, run.window.startNs, run.window.endNs), db);
        this.deps.metrics.pointsWritten.inc(written);
        this.deps.log.debug({ db, cq: cq.name, start: run.window.startNs.toString(), end: run.window.endNs.toString(), written }, 'continuous query ran');
      } catch (error) {
        this.deps.metrics.errors.inc();
        // Points the policy or the schema refused stay refused: the range is done. Anything else
        // (the store, a timeout) leaves it for the next tick, which covers it again.
        if (!(error instanceof PartialWriteError)) {
          this.deps.log.warn({ err: error, db, cq: cq.name }, 'continuous query failed; it runs again over the same range');
          return;
        }
        this.deps.log.warn({ err: error, db, cq: cq.name }, 'continuous query wrote only part of its results');
      } finally {
        this.deps.metrics.duration.observe((this.deps.clock.monotonicMs() - started) / 1000);
      }
    }
    await this.deps.writer.apply([{ kind: 'continuous-query-ran', db, name: cq.name, query: cq.query, lastRunNs: run.lastRunNs }]);
  }

  private parse(text: string): Parsed {
    let parsed = this.parsed.get(text);
    if (parsed === undefined) {
      try {
        const [statement] = parseQuery(text);
        if (statement?.kind !== 'create-continuous-query') parsed = { statement: null, problem: 'not a continuous query' };
        else if (isRawSelect(statement.statement)) parsed = { statement: null, problem: 'continuous queries must be aggregate queries' };
        else parsed = { statement, problem: null };
      } catch (error) {
        parsed = { statement: null, problem: error instanceof Error ? error.message : String(error) };
      }
      this.parsed.set(text, parsed);
    }
    return parsed;
  }

  /** A query that can never run (1.x accepts raw ones) is logged once, counted every tick. */
  private reportOnce(text: string, db: string, name: string, problem: string): void {
    this.deps.metrics.errors.inc();
    if (this.reported.has(text) || this.reported.size > 1024) return;
    this.reported.add(text);
    this.deps.log.warn({ db, cq: name, problem }, 'continuous query cannot run');
  }
}

const TRUE: Expr = { kind: 'boolean', value: true };

/** influxql's rewriteWithoutTimeDimensions: comparisons on time and calls become true. */
function withoutTime(expr: Expr): Expr {
  switch (expr.kind) {
    case 'binary':
      if (expr.lhs.kind === 'var-ref' && expr.lhs.name === 'time') return TRUE;
      return reduce({ ...expr, lhs: withoutTime(expr.lhs), rhs: withoutTime(expr.rhs) });
    case 'paren': {
      const inner = withoutTime(expr.expr);
      return inner.kind === 'boolean' ? inner : { kind: 'paren', expr: inner };
    }
    case 'call':
      return TRUE;
    default:
      return expr;
  }
}

/** Folds AND/OR with a boolean literal on either side. */
function reduce(expr: Expr): Expr {
  if (expr.kind !== 'binary' || (expr.op !== 'AND' && expr.op !== 'OR')) return expr;
  const { lhs, rhs } = expr;
  if (expr.op === 'AND') {
    if (lhs.kind === 'boolean') return lhs.value ? rhs : lhs;
    if (rhs.kind === 'boolean') return rhs.value ? lhs : rhs;
  } else {
    if (lhs.kind === 'boolean') return lhs.value ? lhs : rhs;
    if (rhs.kind === 'boolean') return rhs.value ? rhs : lhs;
  }
  return expr;
}

/**
 * SetTimeRange of influxql: the query's own time bounds are replaced by [start, end). Unlike 1.x,
 * which re-parses `<condition> AND time >= … AND time < …` as text, the remaining condition is
 * kept whole (1.x lets a top-level OR escape the range).
 */
export function withTimeRange(select: SelectStatement, startNs: bigint, endNs: bigint): SelectStatement {
  const time: Expr = { kind: 'var-ref', name: 'time' };
  const range: Expr = {
    kind: 'binary',
    op: 'AND',
    lhs: { kind: 'binary', op: '>=', lhs: time, rhs: { kind: 'integer', value: startNs } },
    rhs: { kind: 'binary', op: '<', lhs: time, rhs: { kind: 'integer', value: endNs } },
  };
  const rest = select.condition === undefined ? TRUE : withoutTime(select.condition);
  if (rest.kind === 'boolean' && rest.value) return { ...select, condition: range };
  const condition: Expr = { kind: 'binary', op: 'AND', lhs: rest.kind === 'binary' ? { kind: 'paren', expr: rest } : rest, rhs: range };
  return { ...select, condition };
}
