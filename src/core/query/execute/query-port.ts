// What the query layer needs from the engine (implemented by src/core/engine.ts).
// The query layer never imports chdb, LevelDB or HTTP; it plans and shapes through this port.

import type { Point } from '../../model/point.js';
import type { MeasurementView, SchemaView } from '../../meta/schema-view.js';
import type { MeasurementPlan } from '../sql/select-plan.js';
import type { RetentionPolicyDefinition } from '../../meta/commands.js';
import type { UserDirectory, UserStatementCommand } from '../../meta/users.js';
import type { Monitor } from '../../monitor/monitor.js';
import type { QueryTracker } from './query-tracker.js';
import type { Tracer } from '../../tracing.js';
import type { MemoryLease } from '../../query-memory.js';
import type { SelectStatement } from '../language/ast.js';
import type { SelectContext } from './select-executor.js';
import type { Series } from './result.js';

/** What one statement read without FINAL, so it can tell afterwards whether that stayed right. */
export interface ReadScope {
  /** Whether reading the table's fields needs FINAL now; a false answer is checked by stillValid(). */
  needsFinal(table: { readonly db: string; readonly rp: string; readonly measurement: string }): boolean;
  /** False once an insert that may add duplicates started on a table this scope read without FINAL. */
  stillValid(): boolean;
}

/** Result of one SQL statement run in chDB: JSONCompact's values, 64-bit integers as bigint or decimal text. */
export interface SqlResult {
  readonly columns: readonly string[];
  /** ClickHouse type names, e.g. 'Nullable(Float64)', 'DateTime64(9, \'UTC\')'. */
  readonly types: readonly string[];
  readonly rows: ReadonlyArray<readonly unknown[]>;
  /** Bytes of the query's memory lease these rows hold (their estimated heap size); 0 when none. */
  readonly reservedBytes?: number;
}

/** Options of one read. */
export interface RunSqlOptions {
  readonly signal?: AbortSignal;
  /** The query's share of the memory budget; the rows read are reserved from it. */
  readonly memory?: MemoryLease;
}

/** A policy as a statement names it: the catalog's definition, and whether it becomes the default. */
export interface RetentionPolicySpec extends RetentionPolicyDefinition {
  readonly makeDefault: boolean;
}

/** Catalog and data mutations a statement can request. */
export type MetaCommand =
  | { readonly kind: 'create-database'; readonly name: string; readonly rp?: RetentionPolicySpec; readonly rpGiven?: { readonly duration: boolean; readonly replicaN: boolean } }
  | { readonly kind: 'drop-database'; readonly name: string }
  | { readonly kind: 'create-retention-policy'; readonly db: string; readonly rp: RetentionPolicySpec }
  | { readonly kind: 'alter-retention-policy'; readonly db: string; readonly name: string; readonly durationNs?: bigint; readonly shardGroupDurationNs?: bigint; readonly replicaN?: number; readonly makeDefault?: boolean }
  | { readonly kind: 'drop-retention-policy'; readonly db: string; readonly name: string }
  | { readonly kind: 'drop-measurement'; readonly db: string; readonly name: string }
  /**
   * DELETE / DROP SERIES: rows of `measurements` (all measurements when empty) in every retention
   * policy of `db` matching `whereSql` (a ClickHouse boolean expression over the table's own
   * columns built by the planner; 'true' for all) are removed. dropSeries also forgets the series.
   */
  | { readonly kind: 'delete-data'; readonly db: string; readonly measurements: readonly string[]; readonly whereSql: string; readonly dropSeries: boolean }
  /** Users and grants; passwords in clear, hashed by the engine before anything is stored or sent. */
  | UserStatementCommand
  /** `query` is the statement's canonical text, measurements qualified. */
  | { readonly kind: 'create-continuous-query'; readonly db: string; readonly name: string; readonly query: string }
  | { readonly kind: 'drop-continuous-query'; readonly db: string; readonly name: string };

/** A planned read of one measurement's table, as recentRows() gets it. */
export interface PlannedRead {
  readonly db: string;
  readonly rp: string;
  readonly measurement: MeasurementView;
  readonly statement: SelectStatement;
  readonly plan: MeasurementPlan;
  /** Raw rows carry their series key first (the plan was extended for InfluxDB's merge order). */
  readonly merged: boolean;
  readonly nowNs: bigint;
}

export interface QueryPort {
  readonly schema: SchemaView;
  /** Users and their grants (SHOW USERS, SHOW GRANTS); none when absent. */
  readonly users?: UserDirectory;
  /** Runs read-only SQL in chDB (async, off the event loop). */
  runSql(sql: string, options: RunSqlOptions): Promise<SqlResult>;
  /**
   * runSql's rows a piece at a time, in order, while chDB makes the next piece; each piece's
   * reservedBytes are the caller's to release. Without it, streamed statements read whole.
   */
  streamSql?(sql: string, options: RunSqlOptions): AsyncIterable<SqlResult>;
  /** Read-your-writes: makes every acknowledged write to these tables visible to runSql. */
  ensureFlushed(targets: ReadonlyArray<{ readonly db: string; readonly rp: string; readonly measurement: string }>): Promise<void>;
  /**
   * Which tables a statement must read with FINAL (their parts may hold one point twice). Take a
   * scope after ensureFlushed; if stillValid() is false when the statement is done, run it again
   * with a forced-FINAL scope.
   */
  readScope(forceFinal: boolean): ReadScope;
  /**
   * Tag values of a measurement from an in-memory index, in key order then UTF-8 byte order;
   * undefined while the measurement is not indexed (the caller scans the table instead).
   */
  indexedTagValues?(db: string, rp: string, measurement: string, keys: readonly string[]): Array<[string, string]> | undefined | Promise<Array<[string, string]> | undefined>;
  /**
   * A SELECT answered from memory (the last-value cache), exactly as chDB would answer it;
   * undefined when it cannot be (the caller reads chDB). Called before anything is flushed or read.
   */
  latestValues?(statement: SelectStatement, ctx: SelectContext): Promise<Series[] | undefined>;
  /**
   * One measurement's planned read answered from memory (the recent-points cache): the rows the
   * plan's SQL would return, in its columns, types and order; undefined when it cannot be (the
   * caller runs the SQL).
   */
  recentRows?(read: PlannedRead): Promise<SqlResult | undefined>;
  applyMetaCommand(command: MetaCommand): Promise<void>;
  /**
   * Resolves once `schema` holds every catalog change committed before the call (in a cluster a
   * stale node must not decide from its own catalog); absent: the schema is always current.
   */
  catalogBarrier?(): Promise<void>;
  /** Running queries (SHOW QUERIES, KILL QUERY); without it nothing is tracked. */
  readonly queries?: QueryTracker;
  /** Statistics and diagnostics (SHOW STATS, SHOW DIAGNOSTICS). */
  readonly monitor?: Monitor;
  /** SELECT INTO: writes points like a client write (WAL first). Returns points written. */
  writePoints(db: string, rp: string, points: readonly Point[]): Promise<number>;
  nowNs(): bigint;
  /** Spans around parsing, planning and executing statements; none when absent. */
  readonly tracer?: Tracer;
}
