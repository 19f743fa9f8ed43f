// Turns DELETE and DROP SERIES into delete-data MetaCommands, one per measurement, with the
// WHERE clause compiled against that measurement's own columns (quoted through naming.ts).

import type { DatabaseView, MeasurementView } from '../../meta/schema-view.js';
import type { MetaCommand } from '../execute/query-port.js';
import type { Expr, StatementOf } from '../language/ast.js';
import { compileCondition, conditionHasTime } from './condition-sql.js';
import { StatementError } from '../execute/result.js';
import { compileRegex } from '../language/regex.js';
import { filterPaced, RowPacer } from '../execute/row-pacer.js';

/** Every measurement name of a database across its retention policies, per name the first view. */
function allMeasurements(db: DatabaseView): Map<string, MeasurementView> {
  const out = new Map<string, MeasurementView>();
  for (const rp of db.retentionPolicies) for (const m of db.measurements(rp.name)) if (!out.has(m.name)) out.set(m.name, m);
  return out;
}

/**
 * A field in the WHERE of DELETE or DROP SERIES. 1.x reports it from a shard of the database
 * (`shard N: …`), so the executor names the shard; a database without shards deletes nothing.
 */
export class FieldsInDeletionError extends StatementError {
  constructor() {
    super('fields not supported in WHERE clause during deletion');
  }
}

/** `pacer` bounds the time a regex FROM spends over a database's measurement names. */
export async function deleteCommands(statement: StatementOf<'delete'> | StatementOf<'drop-series'>, db: DatabaseView, nowNs: bigint, pacer = new RowPacer(undefined)): Promise<MetaCommand[]> {
  const all = allMeasurements(db);
  let selected: MeasurementView[];
  if (statement.sources.length === 0) selected = [...all.values()];
  else {
    selected = [];
    for (const source of statement.sources) {
      if (source.kind !== 'measurement') throw new StatementError('subqueries are not allowed here');
      if (source.regex !== undefined) {
        const re = compileRegex(source.regex);
        selected.push(...(await filterPaced(all.values(), (m) => re.test(m.name), pacer)));
      } else if (source.name !== undefined) {
        const m = all.get(source.name);
        if (m !== undefined) selected.push(m);
      }
    }
  }
  const dropSeries = statement.kind === 'drop-series';
  if (dropSeries && conditionHasTime(statement.condition)) throw new StatementError("DROP SERIES doesn't support time in WHERE clause");
  // InfluxDB refuses field conditions (and deletes nothing) rather than deleting whole series.
  if (statement.condition !== undefined && selected.some((m) => referencesField(statement.condition as Expr, m))) throw new FieldsInDeletionError();
  // Without WHERE every series of the measurement goes, and InfluxDB forgets a measurement without
  // series (SHOW MEASUREMENTS no longer lists it): that is dropping the measurement.
  if (statement.condition === undefined) return [...new Set(selected)].map((m): MetaCommand => ({ kind: 'drop-measurement', db: db.name, name: m.name }));
  return [...new Set(selected)].map((measurement) => ({
    kind: 'delete-data',
    db: db.name,
    measurements: [measurement.name],
    whereSql: statement.condition === undefined ? 'true' : compileCondition(statement.condition, { measurement, nowNs }),
    dropSeries,
  }));
}

function referencesField(expr: Expr, measurement: MeasurementView): boolean {
  switch (expr.kind) {
    case 'var-ref':
      return expr.type !== 'tag' && expr.name !== 'time' && measurement.fieldTypes.has(expr.name);
    case 'binary':
      return referencesField(expr.lhs, measurement) || referencesField(expr.rhs, measurement);
    case 'paren':
      return referencesField(expr.expr, measurement);
    default:
      return false;
  }
}
