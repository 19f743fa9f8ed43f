// SHOW statements: answered from the SchemaView, and from chDB (DISTINCT tag values, series
// keys) only where InfluxDB consults the index; WHERE filters compile through condition-sql.

import type { DatabaseView, MeasurementView } from '../../meta/schema-view.js';
import { quoteIdent, tagColumn } from '../../store/naming.js';
import type { Statement, StatementOf, WithKey } from '../language/ast.js';
import { compileCondition, conditionHasTime, conditionReadsFields, indexCondition } from '../sql/condition-sql.js';
import { formatGoDuration } from '../language/duration.js';
import { StatementError, type Series } from './result.js';
import { compileRegex } from '../language/regex.js';
import { resolveSources, type SelectContext } from './select-executor.js';
import { filterPaced, RowPacer } from './row-pacer.js';
import { tableSourceSql } from '../sql/table-source.js';

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
    return (await ctx.port.runSql(sql, ctx.signal !== undefined ? { signal: ctx.signal } : {})).rows;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (/UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(text)) return [];
    throw err;
  }
}

interface Target {
  readonly db: DatabaseView;
  readonly rp: string;
  readonly measurement: MeasurementView;
}

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
  return tableSourceSql({ ...table, where, final });
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
    const indexed = ctx.port.indexedTagValues?.(target.db.name, target.rp, target.measurement.name, keys);
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
      const db = database(ctx, statement.database);
      const rp = ctx.rp !== undefined && ctx.rp !== '' ? ctx.rp : db.defaultRetentionPolicy;
      const pacer = new RowPacer(ctx.signal);
      let list = db.measurements(rp);
      const source = statement.source;
      if (source !== undefined) {
        if ('name' in source) {
          const { name, op } = source;
          list = list.filter((m) => (m.name === name) === (op === '='));
        } else if ('regex' in source) {
          const re = compileRegex(source.regex);
          const op = source.op;
          list = await filterPaced(list, (m) => re.test(m.name) === (op === '=~'), pacer);
        }
      }
      if (statement.condition !== undefined) {
        const kept: MeasurementView[] = [];
        const list2 = list.map((measurement) => ({ db, rp, measurement }));
        await ensureFlushed(ctx, list2);
        for (const t of list2) if (await hasMatchingRows(ctx, t, statement.condition)) kept.push(t.measurement);
        list = kept;
      }
      const values = page(list.map((m) => [m.name]), statement.limit, statement.offset);
      return values.length > 0 ? [{ name: 'measurements', columns: ['name'], values }] : [];
    }
    case 'show-tag-keys': {
      const list = (await targets(ctx, statement)).filter((t) => t.measurement.tagKeys.length > 0);
      if (statement.condition !== undefined) await ensureFlushed(ctx, list);
      const out: Series[] = [];
      for (const t of list) {
        const keys = await tagKeysOfMatchingSeries(ctx, t, statement.condition);
        const values = page(keys.map((k) => [k]), statement.limit, statement.offset);
        if (values.length > 0) out.push({ name: t.measurement.name, columns: ['tagKey'], values });
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
      const list = await targets(ctx, statement);
      const matches = keyMatcher(statement.withKey);
      const pacer = new RowPacer(ctx.signal);
      const keysOf: string[][] = [];
      for (const t of list) {
        if (pacer.due(t.measurement.tagKeys.length)) await pacer.pause();
        keysOf.push(t.measurement.tagKeys.filter(matches));
      }
      // The in-memory index holds every acknowledged write: only scans need the flush first.
      const indexed = statement.condition === undefined ? list.map((t, i) => ctx.port.indexedTagValues?.(t.db.name, t.rp, t.measurement.name, keysOf[i] ?? [])) : [];
      if (list.some((_, i) => indexed[i] === undefined)) await ensureFlushed(ctx, list);
      const out: Series[] = [];
      for (const [i, t] of list.entries()) {
        const keys = keysOf[i] ?? [];
        const values = page(indexed[i] ?? (await tagValues(ctx, t, keys, statement.condition)), statement.limit, statement.offset);
        if (values.length > 0) out.push({ name: t.measurement.name, columns: ['key', 'value'], values });
      }
      return out;
    }
    case 'show-series': {
      const list = await targets(ctx, statement);
      await ensureFlushed(ctx, list);
      const keys: string[] = [];
      for (const t of list) keys.push(...(await seriesKeys(ctx, t, statement.condition)));
      const values = page(keys.map((k) => [k]), statement.limit, statement.offset);
      return values.length > 0 ? [{ columns: ['key'], values }] : [];
    }
    case 'show-measurement-cardinality': {
      const n = (await targets(ctx, statement)).length;
      return statement.exact ? (n > 0 ? [count(undefined, n)] : []) : [{ columns: ['cardinality estimation'], values: [[BigInt(n)]] }];
    }
    case 'show-series-cardinality': {
      if (conditionHasTime(statement.condition)) throw new StatementError("SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause");
      const list = await targets(ctx, statement);
      await ensureFlushed(ctx, list);
      const perMeasurement: Array<[string, number]> = [];
      for (const t of list) perMeasurement.push([t.measurement.name, (await seriesKeys(ctx, t, statement.condition)).length]);
      if (!statement.exact) return [{ columns: ['cardinality estimation'], values: [[BigInt(perMeasurement.reduce((a, [, n]) => a + n, 0))]] }];
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
