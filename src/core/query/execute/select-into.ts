// SELECT ... INTO: turns a SELECT's series into points and writes them through the port
// (like a client write, WAL first). Returns InfluxDB's `result` series with the written count.

import type { FieldType, FieldValue, Point } from '../../model/point.js';
import type { SelectStatement, Target } from '../language/ast.js';
import { StatementError, type Series } from './result.js';
import { executeSelect, type SelectContext } from './select-executor.js';
import { withConsistentReads } from './consistent-reads.js';

/** Converts result series into points for `target` (`:MEASUREMENT` keeps each series' name). */
export function seriesToPoints(series: readonly Series[], target: Target): Point[] {
  const points: Point[] = [];
  for (const s of series) {
    const measurement = target.name ?? s.name ?? '';
    const tagEntries = Object.entries(s.tags ?? {})
      .filter(([, v]) => v !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const tags = tagEntries.flat();
    for (const row of s.values) {
      const fieldKeys: string[] = [];
      const fieldTypes: FieldType[] = [];
      const fieldValues: FieldValue[] = [];
      s.columns.forEach((column, i) => {
        if (i === 0) return;
        const v = row[i];
        if (v === null || v === undefined) return;
        fieldKeys.push(column);
        if (typeof v === 'bigint') {
          fieldTypes.push('integer');
          fieldValues.push(v.toString());
        } else if (typeof v === 'number') {
          fieldTypes.push('float');
          fieldValues.push(v);
        } else if (typeof v === 'boolean') {
          fieldTypes.push('boolean');
          fieldValues.push(v);
        } else {
          fieldTypes.push('string');
          fieldValues.push(String(v));
        }
      });
      if (fieldKeys.length === 0) continue;
      points.push({ measurement, tags, fieldKeys, fieldTypes, fieldValues, timeNs: row[0] as bigint });
    }
  }
  return points;
}

export async function executeSelectInto(statement: SelectStatement, ctx: SelectContext): Promise<Series[]> {
  const target = statement.target;
  if (target === undefined) throw new StatementError('SELECT INTO requires a target');
  const dbName = target.database ?? ctx.db;
  if (dbName === '') throw new StatementError('database name required');
  const db = ctx.port.schema.database(dbName);
  if (db === undefined) throw new StatementError(`database not found: ${dbName}`);
  const rp = target.retentionPolicy !== undefined && target.retentionPolicy !== '' ? target.retentionPolicy : db.defaultRetentionPolicy;
  if (!db.retentionPolicies.some((r) => r.name === rp)) throw new StatementError(`retention policy not found: ${rp}`);
  const { target: _omit, ...select } = statement;
  void _omit;
  const series = await withConsistentReads(ctx, (reading) => executeSelect(select, reading));
  const points = seriesToPoints(series, target);
  const written = points.length > 0 ? await ctx.port.writePoints(dbName, rp, points) : 0;
  return [{ name: 'result', columns: ['time', 'written'], values: [[0n, BigInt(written)]] }];
}
