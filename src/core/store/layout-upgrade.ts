// Upgrades, when the engine opens, tables an older release stored with bare field values
// (`f_<field>` anyLast columns) to (version, value) tuples. Never loses a row: a table is swapped whole.

import type { FieldType } from '../model/point.js';
import type { ChdbSession } from './chdb-session.js';
import { alterStatements, createNamedTableSql, DEFAULT_DDL_BUDGET, fieldColumnGroup, MAX_INDEXED_TAG_KEYS, splitByBudget, tagColumnGroup, type ColumnGroup, type DdlBudget } from './ddl.js';
import { decodeName, fieldStorageColumn, quoteIdent, quoteString } from './naming.js';

/** A table's rewritten copy is built under this prefix (table names start `m_`, so none collides). */
const UPGRADE_PREFIX = 'u_';
const OLD_FIELD_PREFIX = 'f_';

/**
 * The version an older release's value is stored with: below every write's version (hybrid
 * logical clock milliseconds, store/field-types.ts), so any later write overwrites it, and above
 * (0, NULL), a field the row lacks. Every replica upgrading the same rows stores the same tuples.
 */
export const UPGRADED_VALUE_VERSION = 1;

const OLD_VALUE_TYPES: Readonly<Record<string, FieldType>> = {
  Float64: 'float',
  Int64: 'integer',
  UInt64: 'unsigned',
  String: 'string',
  Bool: 'boolean',
};

export interface StoredColumn {
  readonly name: string;
  readonly type: string;
}

export interface UpgradePlan {
  /** Statements to run in order; the last two swap the tables and drop the old one. */
  readonly statements: readonly string[];
  readonly tagKeys: number;
  readonly fields: number;
}

/** An older release's field type (`SimpleAggregateFunction(anyLast, Nullable(T))`) as a FieldType. */
export function oldFieldType(table: string, column: StoredColumn): FieldType {
  const match = /^SimpleAggregateFunction\(anyLast, Nullable\((\w+)\)\)$/.exec(column.type);
  const type = match === null ? undefined : OLD_VALUE_TYPES[match[1]!];
  if (type === undefined) throw new Error(`layout upgrade: ${table} column ${column.name} has type ${column.type}, which no release stored a field as`);
  return type;
}

/**
 * The statements that rebuild one table of the older layout (`db` and `table` unquoted, columns
 * in table order): the new table under a temporary name, its rows copied merged (FINAL applies
 * the old last-write-wins) with each value versioned, then an atomic EXCHANGE and a DROP.
 */
export function upgradePlan(db: string, table: string, columns: readonly StoredColumn[], budget: DdlBudget = DEFAULT_DDL_BUDGET): UpgradePlan {
  const from = `${quoteIdent(db)}.${quoteIdent(table)}`;
  const to = `${quoteIdent(db)}.${quoteIdent(UPGRADE_PREFIX + table.slice(2))}`;
  const groups: ColumnGroup[] = [];
  const targets = ['`time`', '`_series`'];
  const sources = ['`time`', '`_series`'];
  let tagKeys = 0;
  let fields = 0;
  for (const column of columns) {
    if (column.name.startsWith('t_')) {
      groups.push(tagColumnGroup(decodeName(column.name.slice(2)), tagKeys++ < MAX_INDEXED_TAG_KEYS));
      targets.push(quoteIdent(column.name));
      sources.push(quoteIdent(column.name));
    } else if (column.name.startsWith(OLD_FIELD_PREFIX)) {
      const key = decodeName(column.name.slice(OLD_FIELD_PREFIX.length));
      groups.push(fieldColumnGroup(key, oldFieldType(from, column)));
      fields++;
      const value = quoteIdent(column.name);
      targets.push(quoteIdent(fieldStorageColumn(key)));
      sources.push(`tuple(toUInt64(${UPGRADED_VALUE_VERSION} * isNotNull(${value})), ${value})`);
    } else if (column.name !== 'time' && column.name !== '_series' && column.name !== '_ns') {
      throw new Error(`layout upgrade: ${from} has a column ${column.name} that no release stored`);
    }
  }
  const [first = [], ...rest] = splitByBudget(groups, budget);
  return {
    statements: [
      `DROP TABLE IF EXISTS ${to} SYNC`,
      createNamedTableSql(to, first),
      ...alterStatements(to, rest.flat(), budget),
      `INSERT INTO ${to} (${targets.join(', ')}) SELECT ${sources.join(', ')} FROM ${from} FINAL SETTINGS do_not_merge_across_partitions_select_final = 1`,
      `EXCHANGE TABLES ${from} AND ${to}`,
      `DROP TABLE ${to} SYNC`,
    ],
    tagKeys,
    fields,
  };
}

export interface UpgradeLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * Drops what an interrupted upgrade left (a copy being built, or the old table swapped out), then
 * rebuilds every table that still has bare field columns. Returns the tables upgraded.
 */
export async function upgradeTableLayouts(session: ChdbSession, log: UpgradeLog, budget: DdlBudget = DEFAULT_DDL_BUDGET): Promise<number> {
  const leftovers = await session.query(`SELECT database, name FROM system.tables WHERE startsWith(database, 'hb_') AND startsWith(name, ${quoteString(UPGRADE_PREFIX)})`);
  for (const [db, table] of leftovers.rows as Array<[string, string]>) await session.exec(`DROP TABLE IF EXISTS ${quoteIdent(db)}.${quoteIdent(table)} SYNC`);
  const old = await session.query(
    "SELECT database, table, name, type FROM system.columns WHERE startsWith(database, 'hb_') AND (database, table) IN" +
      ` (SELECT database, table FROM system.columns WHERE startsWith(database, 'hb_') AND startsWith(table, 'm_') AND startsWith(name, ${quoteString(OLD_FIELD_PREFIX)}))` +
      ' ORDER BY database, table, position',
  );
  const tables = new Map<string, { db: string; table: string; columns: StoredColumn[] }>();
  for (const [db, table, name, type] of old.rows as Array<[string, string, string, string]>) {
    const key = `${db}.${table}`;
    let entry = tables.get(key);
    if (entry === undefined) tables.set(key, (entry = { db, table, columns: [] }));
    entry.columns.push({ name, type });
  }
  for (const { db, table, columns } of tables.values()) {
    const startedMs = performance.now();
    const plan = upgradePlan(db, table, columns, budget);
    for (const statement of plan.statements) await session.exec(statement);
    log.info({ database: db, table, tagKeys: plan.tagKeys, fields: plan.fields, ms: Math.round(performance.now() - startedMs) }, 'upgraded a table to versioned field columns');
  }
  return tables.size;
}
