// CREATE / DROP / SHOW CONTINUOUS QUERY as InfluxDB 1.6.7 runs them: measurements of the query
// get their database and retention policy filled in (the CQ's database, the request's rp or the
// database's default), the policies must exist, and the catalog keeps the canonical text.

import type { MeasurementSource, SelectStatement, Source, StatementOf, Target } from '../language/ast.js';
import { continuousQueryText } from '../language/continuous-query-text.js';
import type { SchemaView } from '../../meta/schema-view.js';
import type { QueryPort } from './query-port.js';
import { StatementError, type Series } from './result.js';

type Qualified = { readonly database: string; readonly retentionPolicy: string };

/** Fills in one measurement's database and policy as NormalizeStatement of 1.6.7 does. */
function qualify(database: string | undefined, retentionPolicy: string | undefined, defaults: Qualified & { readonly schema: SchemaView }): Qualified {
  const db = database !== undefined && database !== '' ? database : defaults.database;
  if (db === '') throw new StatementError('database name required');
  const view = defaults.schema.database(db);
  if (view === undefined) throw new StatementError(`database not found: ${db}`);
  if (retentionPolicy !== undefined && retentionPolicy !== '') return { database: db, retentionPolicy };
  if (defaults.retentionPolicy !== '') return { database: db, retentionPolicy: defaults.retentionPolicy };
  if (view.defaultRetentionPolicy !== '') return { database: db, retentionPolicy: view.defaultRetentionPolicy };
  throw new StatementError(`default retention policy not set for: ${db}`);
}

/** The SELECT with every measurement qualified, and the measurements in influxql's walk order. */
function normalizeSelect(select: SelectStatement, defaults: Qualified & { readonly schema: SchemaView }, seen: Qualified[]): SelectStatement {
  let target: Target | undefined;
  if (select.target !== undefined) {
    const q = qualify(select.target.database, select.target.retentionPolicy, defaults);
    seen.push(q);
    target = { ...q, ...(select.target.name !== undefined ? { name: select.target.name } : {}) };
  }
  const sources: Source[] = select.sources.map((source): Source => {
    if (source.kind === 'subquery') return { kind: 'subquery', statement: normalizeSelect(source.statement, defaults, seen) };
    const q = qualify(source.database, source.retentionPolicy, defaults);
    seen.push(q);
    const normalized: MeasurementSource = { ...source, ...q };
    return normalized;
  });
  return { ...select, ...(target !== undefined ? { target } : {}), sources };
}

export async function createContinuousQuery(statement: StatementOf<'create-continuous-query'>, port: QueryPort, requestRp: string | undefined): Promise<void> {
  const seen: Qualified[] = [];
  const select = normalizeSelect(statement.statement, { database: statement.database, retentionPolicy: requestRp ?? '', schema: port.schema }, seen);
  for (const { database, retentionPolicy } of seen) {
    if (!port.schema.database(database)?.retentionPolicies.some((rp) => rp.name === retentionPolicy)) {
      throw new StatementError(`retention policy not found: ${database}.${retentionPolicy}`);
    }
  }
  if (port.schema.database(statement.database) === undefined) throw new StatementError(`database not found: ${statement.database}`);
  const query = continuousQueryText({ ...statement, statement: select });
  await port.applyMetaCommand({ kind: 'create-continuous-query', db: statement.database, name: statement.name, query });
}

export async function dropContinuousQuery(statement: StatementOf<'drop-continuous-query'>, port: QueryPort): Promise<void> {
  // 1.6.7: a missing database or query is no error.
  if (!port.schema.database(statement.database)?.continuousQueries?.some((cq) => cq.name === statement.name)) return;
  await port.applyMetaCommand({ kind: 'drop-continuous-query', db: statement.database, name: statement.name });
}

/** One series per database (in creation order), with no values when it has no queries. */
export function showContinuousQueries(schema: SchemaView): Series[] {
  return schema.databaseNames().map((name) => ({
    name,
    columns: ['name', 'query'],
    values: (schema.database(name)?.continuousQueries ?? []).map((cq) => [cq.name, cq.query]),
  }));
}
