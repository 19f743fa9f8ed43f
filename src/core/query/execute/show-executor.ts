// SHOW statements: answered from the SchemaView, and from chDB (DISTINCT tag values, series
// keys) only where InfluxDB consults the index; WHERE filters compile through condition-sql.

import type { DatabaseView } from '../../meta/schema-view.js';
import { quoteIdent, tagColumn } from '../../store/naming.js';
import type { Statement, StatementOf, WithKey } from '../language/ast.js';
import { compileCondition, conditionHasTime, conditionReadsFields, indexCondition } from '../sql/condition-sql.js';
import { formatGoDuration } from '../language/duration.js';
import { StatementError, type Series } from './result.js';
import { compileRegex } from '../language/regex.js';
import { readOptions, resolveSources, type SelectContext } from './select-executor.js';
import { filterPaced, RowPacer } from './row-pacer.js';
import { fieldsRead, tableSourceSql } from '../sql/table-source.js';
import { indexedMeasurements, mergeSorted, sourceNameFilter, withMeasurementFilter, type IndexedMeasurement, type ShowTarget } from './show-index-scope.js';

type ShowStatement = Extract<Statement, { kind: `show-${string}` }>;

export function isShowStatement(statement: Statement): statement is ShowStatement {
  return statement.kind.startsWith('show-');
}

function database(ctx: SelectContext, name: string | undefined): DatabaseView {
  const dbName = name ?? ctx.db;
  if (dbName === '') throw new StatementError('database name required');
  const db = ctx.port.schema.database(dbName);
  if (db === undefined) throw new StatementError(`database not found: ${dbName}`);
  return db;
}

function page<T>(items: readonly T[], limit: number, offset: number): T[] {
  return items.slice(offset, limit > 0 ? offset + limit : undefined);
}

async function rows(ctx: SelectContext, sql: string): Promise<ReadonlyArray<readonly unknown[]>> {
  try {
    return (await ctx.port.runSql(sql, readOptions(ctx))).rows;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(text)) return [];
    throw err;
  }
}

type Target = ShowTarget;

/** Measurements a SHOW statement covers: FROM sources, or every measurement of the default RP. */
async function targets(ctx: SelectContext, statement: { readonly database?: string; readonly sources: StatementOf<'show-series'>['sources'] }): Promise<Target[]> {
  const db = database(ctx, statement.database);
  const rp = ctx.rp !== undefined && ctx.rp !== '' ? ctx.rp : db.defaultRetentionPolicy;
  if (statement.sources.length === 0) return db.measurements(rp).map((measurement) => ({ db, rp, measurement }));
  const sources = statement.sources.map((s) => {
    if (s.kind !== 'measurement') throw new StatementError('subqueries are not allowed in SHOW statements');
    return { ...s, database: s.database ?? db.name };
  });
  return (await resolveSources(sources, { ...ctx, db: db.name })).map((r) => ({ db: ctx.port.schema.database(r.db) ?? db, rp: r.rp, measurement: r.measurement }));
}

/**
 * The target's table filtered by a SHOW condition. Tag values and series keys never need FINAL's
 * merge (tags are fixed per series), so only a condition on fields may bring FINAL in.
 */
function sourceSql(target: Target, statementCondition: StatementOf<'show-series'>['condition'], ctx: SelectContext): string {
  const condition = indexCondition(statementCondition, target.measurement);
  const where = condition === undefined ? [] : [compileCondition(condition, { measurement: target.measurement, nowNs: ctx.nowNs })];
  const table = { db: target.db.name, rp: target.rp, measurement: target.measurement.name };
  const final = conditionReadsFields(condition, target.measurement) && (ctx.reads?.needsFinal(table) ?? true);
  return tableSourceSql({ ...table, fields: fieldsRead([condition], target.measurement), where, final });
}

/** The WITH KEY clause as a predicate on tag keys (a regex is compiled once, not per key). */
function keyMatcher(withKey: WithKey): (key: string) => boolean {
  switch (withKey.op) {
    case '=':
      return (key) => key === withKey.key;
    case '!=':
      return (key) => key !== withKey.key;
    case '=~': {
      const re = compileRegex(withKey.regex);
      return (key) => re.test(key);
    }
    case '!~': {
      const re = compileRegex(withKey.regex);
      return (key) => !re.test(key);
    }
    case 'IN':
      return (key) => withKey.keys.includes(key);
  }
}

async function ensureFlushed(ctx: SelectContext, list: readonly Target[]): Promise<void> {
  await ctx.port.ensureFlushed(list.map((t) => ({ db: t.db.name, rp: t.rp, measurement: t.measurement.name })));
}

async function tagValues(ctx: SelectContext, target: Target, keys: readonly string[], condition: StatementOf<'show-series'>['condition']): Promise<Array<[string, string]>> {
  if (keys.length === 0) return [];
  if (condition === undefined) {
    const indexed = await ctx.port.indexedTagValues?.(target.db.name, target.rp, target.measurement.name, keys);
    if (indexed !== undefined) return indexed;
  }
  const source = sourceSql(target, condition, ctx);
  // One DISTINCT per key reads one LowCardinality column each.
  const arms = keys.map((k, i) => {
    const column = quoteIdent(tagColumn(k));
    return `SELECT DISTINCT toUInt32(${i}) AS k, toString(${column}) AS v FROM ${source} WHERE ${column} != ''`;
  });
  const sql = `SELECT k, v FROM (${arms.join(' UNION ALL ')}) ORDER BY k, v`;
  return (await rows(ctx, sql)).map((r) => [keys[Number(r[0])] ?? '', String(r[1])]);
}

/** Tag keys with a value in some series matching the condition (all keys without one). */
async function tagKeysOfMatchingSeries(ctx: SelectContext, target: Target, condition: StatementOf<'show-series'>['condition']): Promise<readonly string[]> {
  const keys = target.measurement.tagKeys;
  if (indexCondition(condition, target.measurement) === undefined) return keys;
  const present = keys.map((k) => `max(${quoteIdent(tagColumn(k))} != '')`);
  const row = (await rows(ctx, `SELECT ${present.join(', ')} FROM ${sourceSql(target, condition, ctx)}`))[0];
  return keys.filter((_, i) => Number(row?.[i] ?? 0) === 1);
}

async function seriesKeys(ctx: SelectContext, target: Target, condition: StatementOf<'show-series'>['condition']): Promise<string[]> {
  const sql = `SELECT DISTINCT \`_series\` FROM ${sourceSql(target, condition, ctx)} ORDER BY \`_series\``;
  return (await rows(ctx, sql)).map((r) => String(r[0]));
}

async function hasMatchingRows(ctx: SelectContext, target: Target, condition: StatementOf<'show-series'>['condition']): Promise<boolean> {
  return (await rows(ctx, `SELECT 1 FROM ${sourceSql(target, condition, ctx)} LIMIT 1`)).length > 0;
}

/** Measurements of every policy, as 1.x's per-database index has them, narrowed by FROM. */
async function indexTargets(ctx: SelectContext, statement: { readonly database?: string; readonly sources: StatementOf<'show-series'>['sources'] }): Promise<IndexedMeasurement[]> {
  const keep = sourceNameFilter(statement.sources);
  return filterPaced(indexedMeasurements(database(ctx, statement.database)), (m) => keep(m.name), new RowPacer(ctx.signal));
}

async function anyPart(m: IndexedMeasurement, test: (t: Target) => Promise<boolean>): Promise<boolean> {
  for (const t of m.parts) if (await test(t)) return true;
  return false;
}

/** Series keys of every part, flushed first; one key per series however many policies hold it. */
async function indexSeriesKeys(ctx: SelectContext, list: readonly IndexedMeasurement[], condition: StatementOf<'show-series'>['condition']): Promise<string[]> {
  const parts = list.flatMap((m) => m.parts);
  await ensureFlushed(ctx, parts);
  const perPart: string[][] = [];
  for (const t of parts) perPart.push(await seriesKeys(ctx, t, condition));
  return mergeSorted(perPart, (k) => k);
}

const count = (name: string | undefined, n: number): Series => ({ ...(name !== undefined ? { name } : {}), columns: ['count'], values: [[BigInt(n)]] });

export async function executeShow(statement: ShowStatement, ctx: SelectContext): Promise<Series[]> {
  switch (statement.kind) {
    case 'show-databases':
      return [{ name: 'databases', columns: ['name'], values: ctx.port.schema.databaseNames().map((n) => [n]) }];
    case 'show-retention-policies': {
      const db = database(ctx, statement.database);
      const values = db.retentionPolicies.map((rp) => [rp.name, formatGoDuration(rp.durationNs), formatGoDuration(rp.shardGroupDurationNs), BigInt(rp.replicaN), rp.name === db.defaultRetentionPolicy]);
      return [{ columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values }];
    }
    case 'show-measurements': {
      if (conditionHasTime(statement.condition)) throw new StatementError("SHOW MEASUREMENTS doesn't support time in WHERE clause");
      const pacer = new RowPacer(ctx.signal);
      const keep = withMeasurementFilter(statement.source);
      const named = indexedMeasurements(database(ctx, statement.database));
      let list = await filterPaced(named, (m) => keep(m.name), pacer);
      if (statement.condition !== undefined) {
        await ensureFlushed(ctx, list.flatMap((m) => m.parts));
        const kept: IndexedMeasurement[] = [];
        for (const m of list) if (await anyPart(m, (t) => hasMatchingRows(ctx, t, statement.condition))) kept.push(m);
        list = kept;
      }
      const values = page(list.map((m) => [m.name]), statement.limit, statement.offset);
      return values.length > 0 ? [{ name: 'measurements', columns: ['name'], values }] : [];
    }
    case 'show-tag-keys': {
      const list = (await indexTargets(ctx, statement)).filter((m) => m.parts.some((t) => t.measurement.tagKeys.length > 0));
      if (statement.condition !== undefined) await ensureFlushed(ctx, list.flatMap((m) => m.parts));
      const out: Series[] = [];
      for (const m of list) {
        const perPart: Array<readonly string[]> = [];
        for (const t of m.parts) perPart.push(await tagKeysOfMatchingSeries(ctx, t, statement.condition));
        const values = page(mergeSorted(perPart, (k) => k).map((k) => [k]), statement.limit, statement.offset);
        if (values.length > 0) out.push({ name: m.name, columns: ['tagKey'], values });
      }
      return page(out, statement.slimit, statement.soffset);
    }
    case 'show-field-keys':
      return (await targets(ctx, statement))
        .map((t) => ({
          name: t.measurement.name,
          columns: ['fieldKey', 'fieldType'],
          values: page([...t.measurement.fieldTypes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, type]) => [k, type]), statement.limit, statement.offset),
        }))
        .filter((s) => s.values.length > 0);
    case 'show-tag-values': {
      const list = await indexTargets(ctx, statement);
      const parts = list.flatMap((m) => m.parts);
      const matches = keyMatcher(statement.withKey);
      const pacer = new RowPacer(ctx.signal);
      const keysOf = new Map<Target, string[]>();
      for (const t of parts) {
        if (pacer.due(t.measurement.tagKeys.length)) await pacer.pause();
        keysOf.set(t, t.measurement.tagKeys.filter(matches));
      }
      // The in-memory index holds every acknowledged write: only scans need the flush first.
      const indexed = new Map<Target, Array<[string, string]> | undefined>();
      if (statement.condition === undefined) for (const t of parts) indexed.set(t, await ctx.port.indexedTagValues?.(t.db.name, t.rp, t.measurement.name, keysOf.get(t) ?? []));
      if (parts.some((t) => indexed.get(t) === undefined)) await ensureFlushed(ctx, parts);
      const out: Series[] = [];
      for (const m of list) {
        const perPart: Array<ReadonlyArray<[string, string]>> = [];
        for (const t of m.parts) perPart.push(indexed.get(t) ?? (await tagValues(ctx, t, keysOf.get(t) ?? [], statement.condition)));
        const values = page(mergeSorted(perPart, ([k, v]) => `${k}\u0000${v}`), statement.limit, statement.offset);
        if (values.length > 0) out.push({ name: m.name, columns: ['key', 'value'], values });
      }
      return out;
    }
    case 'show-series': {
      // With time in WHERE, 1.x reads the shards of one policy; otherwise its index, all policies.
      const keys: string[] = [];
      if (conditionHasTime(statement.condition)) {
        const list = await targets(ctx, statement);
        await ensureFlushed(ctx, list);
        for (const t of list) keys.push(...(await seriesKeys(ctx, t, statement.condition)));
      } else {
        keys.push(...(await indexSeriesKeys(ctx, await indexTargets(ctx, statement), statement.condition)));
      }
      const values = page(keys.map((k) => [k]), statement.limit, statement.offset);
      return values.length > 0 ? [{ columns: ['key'], values }] : [];
    }
    case 'show-measurement-cardinality': {
      if (!statement.exact) return [{ columns: ['cardinality estimation'], values: [[BigInt((await indexTargets(ctx, statement)).length)]] }];
      const n = (await targets(ctx, statement)).length;
      return n > 0 ? [count(undefined, n)] : [];
    }
    case 'show-series-cardinality': {
      if (conditionHasTime(statement.condition)) throw new StatementError("SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause");
      if (!statement.exact) return [{ columns: ['cardinality estimation'], values: [[BigInt((await indexSeriesKeys(ctx, await indexTargets(ctx, statement), statement.condition)).length)]] }];
      const list = await targets(ctx, statement);
      await ensureFlushed(ctx, list);
      const perMeasurement: Array<[string, number]> = [];
      for (const t of list) perMeasurement.push([t.measurement.name, (await seriesKeys(ctx, t, statement.condition)).length]);
      return perMeasurement.filter(([, n]) => n > 0).map(([name, n]) => count(name, n));
    }
    case 'show-tag-key-cardinality':
      return (await targets(ctx, statement))
        .filter((t) => t.measurement.tagKeys.length > 0)
        .map((t) => count(t.measurement.name, t.measurement.tagKeys.length));
    case 'show-field-key-cardinality':
      return (await targets(ctx, statement))
        .filter((t) => t.measurement.fieldTypes.size > 0)
        .map((t) => count(t.measurement.name, t.measurement.fieldTypes.size));
    case 'show-tag-values-cardinality': {
      // influxd 1.6 answers a time-bounded count with no series at all.
      if (conditionHasTime(statement.condition)) return [];
      const list = await targets(ctx, statement);
      await ensureFlushed(ctx, list);
      const matches = keyMatcher(statement.withKey);
      const out: Series[] = [];
      for (const t of list) {
        const keys = t.measurement.tagKeys.filter(matches);
        const n = (await tagValues(ctx, t, keys, statement.condition)).length;
        if (n > 0) out.push(count(t.measurement.name, n));
      }
      return out;
    }
    case 'show-continuous-queries':
      return [];
    default:
      throw new StatementError(`statement not supported: ${statement.kind.replace(/-/g, ' ').toUpperCase()}`);
  }
}
