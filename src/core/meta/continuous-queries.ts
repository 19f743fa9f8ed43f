// Continuous query definitions as the catalog keeps them, per database, in creation order, with
// the last run their scheduler recorded. Pure: apply functions return new maps or throw 1.6.7's
// error; "now" never enters here (a run's time comes in the command, fixed by the node that ran it).

import { BadRequestError } from '../errors.js';

export interface ContinuousQueryInfo {
  readonly name: string;
  /** The CREATE CONTINUOUS QUERY statement in InfluxQL's canonical text (what SHOW prints). */
  readonly query: string;
  /**
   * InfluxDB's LastRun of the query (Unix ns): the time its scheduler last ran it for, so the
   * next run starts from there. Null until it ran once.
   */
  readonly lastRunNs: bigint | null;
}

export type ContinuousQueries = ReadonlyMap<string, ContinuousQueryInfo>;

export type ContinuousQueryCommand =
  | { readonly kind: 'create-continuous-query'; readonly db: string; readonly name: string; readonly query: string }
  | { readonly kind: 'drop-continuous-query'; readonly db: string; readonly name: string }
  /**
   * The scheduler ran `name` (whose text is `query`, so a query dropped and created again under
   * the same name is not confused with it) through `lastRunNs`, and wrote its results.
   */
  | { readonly kind: 'continuous-query-ran'; readonly db: string; readonly name: string; readonly query: string; readonly lastRunNs: bigint };

export const CONTINUOUS_QUERY_COMMAND_KINDS: ReadonlySet<string> = new Set(['create-continuous-query', 'drop-continuous-query', 'continuous-query-ran']);

/** The database's continuous queries after `command`; the same map when nothing changes. */
export function applyContinuousQueryCommand(current: ContinuousQueries, command: ContinuousQueryCommand): ContinuousQueries {
  const existing = current.get(command.name);
  switch (command.kind) {
    case 'create-continuous-query': {
      if (existing !== undefined) {
        // 1.6.7: the same text (ignoring case) is a no-op, another one under the name is refused.
        if (existing.query.toLowerCase() === command.query.toLowerCase()) return current;
        throw new BadRequestError('continuous query already exists');
      }
      const next = new Map(current);
      next.set(command.name, { name: command.name, query: command.query, lastRunNs: null });
      return next;
    }
    case 'drop-continuous-query': {
      if (existing === undefined) return current;
      const next = new Map(current);
      next.delete(command.name);
      return next;
    }
    case 'continuous-query-ran': {
      // A late record of an earlier run (a former leader's) never moves the query back.
      if (existing === undefined || existing.query !== command.query) return current;
      if (existing.lastRunNs !== null && existing.lastRunNs >= command.lastRunNs) return current;
      const next = new Map(current);
      next.set(command.name, { ...existing, lastRunNs: command.lastRunNs });
      return next;
    }
  }
}
