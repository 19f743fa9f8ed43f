// Creates chDB databases/tables for measurements and adds columns as new tags and fields appear.
// Idempotent DDL only (IF NOT EXISTS); it never drops or rewrites data.

import type { FieldType } from '../model/point.js';
import { CONNECTION_LIMITS, type ChdbSession } from './chdb-session.js';
import { fieldStorageType } from './field-types.js';
import { chDatabaseName, chTableName, fieldStorageColumn, qualifiedTable, quoteIdent, quoteString, tagColumn } from './naming.js';

export const TAG_COLUMN_TYPE = 'LowCardinality(String)';

/** The columns and indexes one tag key or field brings (definitions, as in CREATE TABLE). */
export interface ColumnGroup {
  readonly columns: readonly string[];
  readonly indexes: readonly string[];
}

/**
 * Tag keys of a table with a skip index (its first ones). ClickHouse checks every index against
 * every column in each CREATE and ALTER: with 1,000 indexed tags and 11,000 columns one CREATE
 * took minutes, with 16 seconds. Measurements rarely have more tags than this.
 */
export const MAX_INDEXED_TAG_KEYS = 16;

/**
 * A tag column, with a per-granule set index if `indexed`: the sort key starts with `_series`,
 * so a tag filter (WHERE host = 'a') otherwise reads every granule in the time range. Granules
 * holding more than 128 distinct values are simply not skipped. Safe under FINAL: rows that
 * merge share one series, hence the same tag values.
 */
export function tagColumnGroup(key: string, indexed = true): ColumnGroup {
  const column = tagColumn(key);
  const definition = `${quoteIdent(column)} ${TAG_COLUMN_TYPE}`;
  return { columns: [definition], indexes: indexed ? [`${quoteIdent(`i_${column}`)} ${quoteIdent(column)} TYPE set(128) GRANULARITY 1`] : [] };
}

export function fieldColumnGroup(key: string, type: FieldType): ColumnGroup {
  return { columns: [`${quoteIdent(fieldStorageColumn(key))} ${fieldStorageType(type)}`], indexes: [] };
}

/**
 * One table per measurement, created with the columns of its first flush. `time` is stored
 * delta-encoded: each series' times are sorted and mostly evenly spaced, so it shrinks from 8
 * bytes a point to a few bits, and time-range scans (which read it for every row of the range)
 * read about half as much. `_series` (the whole series key, often 100+ bytes) is LowCardinality:
 * rows are sorted by it, so each granule holds one or a few keys and reads of it (per-series
 * LIMIT BY, grouping by series) decode small integers instead of copying every key: lastpoint
 * reads 25% faster. Tables made before keep `String`; every query works on both.
 */
export function createTableSql(db: string, rp: string, measurement: string, groups: readonly ColumnGroup[] = []): string {
  return createNamedTableSql(qualifiedTable(db, rp, measurement), groups);
}

/** createTableSql for a table named outright (quoted `db`.`table`). */
export function createNamedTableSql(table: string, groups: readonly ColumnGroup[]): string {
  const extra = groups.flatMap((group) => group.columns).concat(groups.flatMap((group) => group.indexes.map((index) => `INDEX ${index}`)));
  return (
    `CREATE TABLE IF NOT EXISTS ${table} (` +
    "`_ns` Int64 EPHEMERAL, `time` DateTime64(9, 'UTC') DEFAULT fromUnixTimestamp64Nano(`_ns`, 'UTC') CODEC(Delta(8), LZ4), `_series` LowCardinality(String)" +
    extra.map((definition) => `, ${definition}`).join('') +
    ') ENGINE = AggregatingMergeTree PARTITION BY toMonday(`time`) ORDER BY (`_series`, `time`)' +
    ' SETTINGS allow_dimensions_outside_sorting_key = 1'
  );
}

/** How much one DDL statement may add; well inside the limits every connection is opened with. */
export interface DdlBudget {
  readonly maxBytes: number;
  readonly maxDefinitions: number;
}

/**
 * A definition is a few dozen AST elements at most (nested types, an index), so the definition
 * bound keeps a statement tens of times inside max_ast_elements, and the byte bound keeps its
 * text inside max_query_size, for any number of columns. Every DDL statement re-validates the
 * whole table (its cost grows with the columns it has), so few large statements beat many
 * small ones: 10,000 fields took 13 s in one ALTER and 27 s in four.
 */
export const DEFAULT_DDL_BUDGET: DdlBudget = {
  maxBytes: Math.floor(CONNECTION_LIMITS.maxQuerySize / 4),
  maxDefinitions: Math.floor(CONNECTION_LIMITS.maxAstElements / 200),
};

/**
 * Splits groups, in order, into runs within the budget (a group is never split, and one alone
 * always goes, whatever its size: the connection limits leave room for it).
 */
export function splitByBudget(groups: readonly ColumnGroup[], budget: DdlBudget): ColumnGroup[][] {
  const runs: ColumnGroup[][] = [];
  let current: ColumnGroup[] = [];
  let bytes = 0;
  let definitions = 0;
  for (const group of groups) {
    const groupDefinitions = group.columns.length + group.indexes.length;
    // Each definition also takes `ADD COLUMN IF NOT EXISTS ` and a separator in an ALTER.
    const groupBytes = [...group.columns, ...group.indexes].reduce((sum, definition) => sum + Buffer.byteLength(definition, 'utf8') + 32, 0);
    if (current.length > 0 && (bytes + groupBytes > budget.maxBytes || definitions + groupDefinitions > budget.maxDefinitions)) {
      runs.push(current);
      current = [];
      bytes = 0;
      definitions = 0;
    }
    current.push(group);
    bytes += groupBytes;
    definitions += groupDefinitions;
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** One ALTER per run of groups within the budget; each ADD is idempotent. */
export function alterStatements(table: string, groups: readonly ColumnGroup[], budget: DdlBudget = DEFAULT_DDL_BUDGET): string[] {
  return splitByBudget(groups, budget).map(
    (run) =>
      `ALTER TABLE ${table} ` +
      run
        .flatMap((group) => [...group.columns.map((column) => `ADD COLUMN IF NOT EXISTS ${column}`), ...group.indexes.map((index) => `ADD INDEX IF NOT EXISTS ${index}`)])
        .join(', '),
  );
}

export interface TableColumns {
  readonly tagKeys: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
}

/**
 * A table stored by a release whose field columns held bare values, met after the engine opened
 * (the engine upgrades every such table when it opens, store/layout-upgrade.ts).
 */
export class OutdatedTableLayoutError extends Error {
  constructor(table: string, column: string) {
    super(`table ${table} has the storage layout of an older release (field column ${column} holds values without versions); restart the server to upgrade it`);
  }
}

/** Tracks which columns each table has, so steady-state flushes issue no DDL at all. */
export class SchemaManager {
  private readonly knownColumns = new Map<string, Set<string>>();
  private readonly knownDatabases = new Set<string>();

  constructor(
    private readonly session: ChdbSession,
    private readonly budget: DdlBudget = DEFAULT_DDL_BUDGET,
  ) {}

  async ensureTable(db: string, rp: string, measurement: string, columns: TableColumns): Promise<void> {
    const table = qualifiedTable(db, rp, measurement);
    const known = this.knownColumns.get(table) ?? (await this.openTable(db, rp, measurement, columns));
    const missing = missingColumns(columns, known);
    if (missing.length === 0) return;
    // Each statement is idempotent: a failure part way leaves columns a retry skips.
    for (const statement of alterStatements(table, missing.map(([, group]) => group), this.budget)) await this.session.exec(statement);
    for (const [column] of missing) known.add(column);
  }

  /**
   * Creates the table if needed (with the first columns it is written with, within the budget:
   * one statement instead of a CREATE and an ALTER), then learns the columns it has, so after a
   * restart a table's first flush adds only what is new. Refuses a table of the older layout.
   */
  private async openTable(db: string, rp: string, measurement: string, columns: TableColumns): Promise<Set<string>> {
    const table = qualifiedTable(db, rp, measurement);
    const chDb = chDatabaseName(db, rp);
    if (!this.knownDatabases.has(chDb)) {
      await this.session.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(chDb)}`);
      this.knownDatabases.add(chDb);
    }
    const groups = missingColumns(columns, new Set()).map(([, group]) => group);
    await this.session.exec(createTableSql(db, rp, measurement, splitByBudget(groups, this.budget)[0] ?? []));
    const result = await this.session.query(`SELECT name FROM system.columns WHERE database = ${quoteString(chDb)} AND table = ${quoteString(chTableName(measurement))}`);
    const known = new Set<string>();
    for (const [name] of result.rows as Array<[string]>) {
      if (name.startsWith('f_')) throw new OutdatedTableLayoutError(table, name);
      known.add(name);
    }
    this.knownColumns.set(table, known);
    return known;
  }

  /** Forgets cached state for tables of a database (after DROP DATABASE / MEASUREMENT / RP). */
  forgetDatabase(chDatabase: string): void {
    this.knownDatabases.delete(chDatabase);
    const prefix = quoteIdent(chDatabase) + '.';
    for (const table of [...this.knownColumns.keys()]) {
      if (table.startsWith(prefix)) this.knownColumns.delete(table);
    }
  }

  forgetTable(table: string): void {
    this.knownColumns.delete(table);
  }
}

/**
 * The tag and field columns `known` lacks, each with what adding it takes, in input order; the
 * table's first MAX_INDEXED_TAG_KEYS tag columns get an index.
 */
function missingColumns(columns: TableColumns, known: ReadonlySet<string>): Array<[string, ColumnGroup]> {
  const missing: Array<[string, ColumnGroup]> = [];
  let tagColumns = -1;
  for (const key of columns.tagKeys) {
    const column = tagColumn(key);
    if (known.has(column)) continue;
    if (tagColumns < 0) tagColumns = [...known].filter((name) => name.startsWith('t_')).length;
    missing.push([column, tagColumnGroup(key, tagColumns++ < MAX_INDEXED_TAG_KEYS)]);
  }
  for (const [key, type] of columns.fields) {
    const column = fieldStorageColumn(key);
    if (!known.has(column)) missing.push([column, fieldColumnGroup(key, type)]);
  }
  return missing;
}
