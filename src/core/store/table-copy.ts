// Copies stored tables between nodes: lists them, reads one a page at a time in ClickHouse's Native
// format (physical columns only, merged rows), writes such a page into the same table elsewhere,
// and digests a table so replicas can be compared. Never changes a table it reads.

import { writeFile } from 'node:fs/promises';
import type { ChdbSession } from './chdb-session.js';
import { chDatabaseName, chTableName, qualifiedTable, quoteIdent, quoteString } from './naming.js';

export interface TableRef {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
}

export interface TableDigest extends TableRef {
  readonly rows: number;
  readonly hash: string;
}

export function isMissingTable(error: unknown): boolean {
  return /UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(error instanceof Error ? error.message : String(error));
}

/** The columns that hold data (no ALIAS, EPHEMERAL or MATERIALIZED ones), in table order. */
export async function physicalColumns(session: ChdbSession, table: TableRef): Promise<string[]> {
  const result = await session.query(
    `SELECT name FROM system.columns WHERE database = ${quoteString(chDatabaseName(table.db, table.rp))} AND table = ${quoteString(chTableName(table.measurement))}` +
      ` AND default_kind NOT IN ('ALIAS', 'EPHEMERAL', 'MATERIALIZED') ORDER BY position`,
  );
  return result.rows.map((row) => String(row[0]));
}

/**
 * One page of a table's rows, merged (FINAL) and in sort-key order, as Native bytes: null once
 * past the last row. `columns` from physicalColumns.
 */
export async function exportPage(session: ChdbSession, table: TableRef, columns: readonly string[], page: number, pageRows: number): Promise<Buffer | null> {
  const list = columns.map(quoteIdent).join(', ');
  const bytes = await session.readRaw(
    `SELECT ${list} FROM ${qualifiedTable(table.db, table.rp, table.measurement)} FINAL ORDER BY _series, time LIMIT ${pageRows} OFFSET ${page * pageRows}` +
      ' SETTINGS do_not_merge_across_partitions_select_final = 1',
    'Native',
  );
  return bytes.length === 0 ? null : bytes;
}

/** Writes one exported page into the same table here (the table must exist with these columns). */
export async function importPage(session: ChdbSession, table: TableRef, columns: readonly string[], page: Buffer): Promise<void> {
  const path = session.stagingPath() + '.native';
  await writeFile(path, page);
  await session.insertFormattedFile(qualifiedTable(table.db, table.rp, table.measurement), columns.map(quoteIdent), path, 'Native');
}

/**
 * Row count and a hash of every merged row, equal on replicas holding the same data: independent
 * of row order, of column order (columns arrive in the order of each node's flushes) and of
 * columns holding nothing (a tag column of '' or a field of (0, NULL), as a copy's table has for
 * fields the catalog knows but no row here wrote).
 */
export function digestSql(table: string, columns: readonly string[]): string {
  const terms = ['cityHash64(`time`, `_series`)'];
  for (const column of [...columns].sort()) {
    if (column === 'time' || column === '_series') continue;
    const name = quoteIdent(column);
    const hash = `cityHash64(${quoteString(column)}, ${name})`;
    if (column.startsWith('v_')) terms.push(`if(isNull(tupleElement(${name}, 2)), 0, ${hash})`);
    else if (column.startsWith('t_')) terms.push(`if(${name} = '', 0, ${hash})`);
    else terms.push(hash);
  }
  return `SELECT count(), toString(sum(${terms.join(' + ')})) FROM ${table} FINAL`;
}

export async function digestTable(session: ChdbSession, table: TableRef): Promise<TableDigest> {
  try {
    const columns = await physicalColumns(session, table);
    if (columns.length === 0) return { ...table, rows: 0, hash: '0' };
    const result = await session.query(digestSql(qualifiedTable(table.db, table.rp, table.measurement), columns));
    const row = result.rows[0] ?? [0, '0'];
    return { ...table, rows: Number(row[0]), hash: String(row[1]) };
  } catch (error) {
    if (isMissingTable(error)) return { ...table, rows: 0, hash: '0' };
    throw error;
  }
}
