// The statements 1.x answers from its query manager and monitor rather than from data: SHOW
// QUERIES, KILL QUERY, SHOW STATS, SHOW DIAGNOSTICS, SHOW SHARDS and SHOW SHARD GROUPS.

import type { Statement } from '../language/ast.js';
import type { Statistic } from '../../monitor/monitor.js';
import type { QueryPort } from './query-port.js';
import { NoSuchQueryError } from './query-tracker.js';
import { StatementError, type Series } from './result.js';
import { listShardGroups, showShardGroupsSeries, showShardsSeries } from './shard-groups.js';

/** The statement's series, or undefined when it is not one of these statements. */
export async function monitorStatementAnswer(statement: Statement, port: QueryPort, signal?: AbortSignal): Promise<Series[] | undefined> {
  switch (statement.kind) {
    case 'show-queries':
      return port.queries?.show() ?? [{ columns: ['qid', 'query', 'database', 'duration', 'status'], values: [] }];
    case 'kill-query':
      try {
        if (port.queries === undefined) throw new NoSuchQueryError(statement.id);
        port.queries.kill(statement.id);
      } catch (err) {
        if (err instanceof NoSuchQueryError) throw new StatementError(err.message);
        throw err;
      }
      return [];
    case 'show-stats': {
      const stats = (await port.monitor?.statistics()) ?? [];
      return stats.filter((s) => statement.module === undefined || s.name === statement.module).map(statisticSeries);
    }
    case 'show-diagnostics': {
      const diagnostics = port.monitor?.diagnostics() ?? [];
      return diagnostics.filter((d) => statement.module === undefined || d.name === statement.module).map((d) => ({ name: d.name, columns: d.columns, values: [d.row] }));
    }
    case 'show-shards':
      return showShardsSeries(port.schema.databaseNames(), await listShardGroups(port, signal));
    case 'show-shard-groups':
      return showShardGroupsSeries(await listShardGroups(port, signal));
    default:
      return undefined;
  }
}

/** A statistic as a series: columns in name order, integral figures as integers. */
function statisticSeries(stat: Statistic): Series {
  const columns = Object.keys(stat.values).sort();
  const row = columns.map((c) => {
    const v = stat.values[c]!;
    return typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
  });
  return { name: stat.name, ...(Object.keys(stat.tags).length > 0 ? { tags: stat.tags } : {}), columns, values: [row] };
}

/**
 * The id 1.x names in `shard N: fields not supported in WHERE clause during deletion`: a shard of
 * the database (the lowest id); undefined when the database holds no data (nothing to refuse).
 */
export async function firstShardId(port: QueryPort, db: string, signal?: AbortSignal): Promise<bigint | undefined> {
  return (await listShardGroups(port, signal)).find((g) => g.db === db)?.id;
}
