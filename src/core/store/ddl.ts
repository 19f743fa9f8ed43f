// Creates chDB databases/tables for measurements and adds columns as new tags and fields appear.
// Idempotent DDL only (IF NOT EXISTS); it never drops or rewrites data.

import type { FieldType } from '../model/point.js';
import type { ChdbSession } from './chdb-session.js';
import { chDatabaseName, fieldColumn, qualifiedTable, quoteIdent, tagColumn } from './naming.js';

const CH_TYPES: Readonly<Record<FieldType, string>> = {
  float: 'Float64',
  integer: 'Int64',
  unsigned: 'UInt64',
  string: 'String',
  boolean: 'Bool',
};

export function fieldColumnType(type: FieldType): string {
  return `SimpleAggregateFunction(anyLast, Nullable(${CH_TYPES[type]}))`;
}

export const TAG_COLUMN_TYPE = 'LowCardinality(String)';

/**
 * A per-granule set index on each tag column: the sort key starts with `_series`, so a tag filter
 * (WHERE host = 'a') otherwise reads every granule in the time range. Granules holding more than
 * 128 distinct values are simply not skipped. Safe under FINAL: rows that merge share one series,
 * hence the same tag values.
 */
export function tagIndexSql(column: string): string {
  return `ADD INDEX IF NOT EXISTS ${quoteIdent(`i_${column}`)} ${quoteIdent(column)} TYPE set(128) GRANULARITY 1`;
}

/**
 * One table per measurement. `time` is stored delta-encoded: each series' times are sorted and
 * mostly evenly spaced, so it shrinks from 8 bytes a point to a few bits, and time-range scans
 * (which read it for every row of the range) read about half as much. `_series` (the whole series
 * key, often 100+ bytes) is LowCardinality: rows are sorted by it, so each granule holds one or a
 * few keys and reads of it (per-series LIMIT BY, grouping by series) decode small integers
 * instead of copying every key: lastpoint reads 25% faster. Tables made before keep `String`;
 * every query works on both.
 */
export function createTableSql(db: string, rp: string, measurement: string): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${qualifiedTable(db, rp, measurement)} (` +
    "`_ns` Int64 EPHEMERAL, `time` DateTime64(9, 'UTC') DEFAULT fromUnixTimestamp64Nano(`_ns`, 'UTC') CODEC(Delta(8), LZ4), `_series` LowCardinality(String)" +
    ') ENGINE = AggregatingMergeTree PARTITION BY toMonday(`time`) ORDER BY (`_series`, `time`)' +
    ' SETTINGS allow_dimensions_outside_sorting_key = 1'
  );
}

export interface TableColumns {
  readonly tagKeys: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
}

/** Tracks which columns each table has, so steady-state flushes issue no DDL at all. */
export class SchemaManager {
  private readonly knownColumns = new Map<string, Set<string>>();
  private readonly knownDatabases = new Set<string>();

  constructor(private readonly session: ChdbSession) {}

  async ensureTable(db: string, rp: string, measurement: string, columns: TableColumns): Promise<void> {
    const table = qualifiedTable(db, rp, measurement);
    let known = this.knownColumns.get(table);
    if (!known) {
      const chDb = chDatabaseName(db, rp);
      if (!this.knownDatabases.has(chDb)) {
        await this.session.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(chDb)}`);
        this.knownDatabases.add(chDb);
      }
      await this.session.exec(createTableSql(db, rp, measurement));
      known = new Set();
      this.knownColumns.set(table, known);
    }
    const additions: string[] = [];
    for (const key of columns.tagKeys) {
      const column = tagColumn(key);
      if (!known.has(column)) additions.push(`ADD COLUMN IF NOT EXISTS ${quoteIdent(column)} ${TAG_COLUMN_TYPE}`, tagIndexSql(column));
    }
    for (const [key, type] of columns.fields) {
      const column = fieldColumn(key);
      if (!known.has(column)) additions.push(`ADD COLUMN IF NOT EXISTS ${quoteIdent(column)} ${fieldColumnType(type)}`);
    }
    if (additions.length === 0) return;
    await this.session.exec(`ALTER TABLE ${table} ${additions.join(', ')}`);
    for (const key of columns.tagKeys) known.add(tagColumn(key));
    for (const [key] of columns.fields) known.add(fieldColumn(key));
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
