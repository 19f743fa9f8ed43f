// The running queries, as InfluxDB 1.x's TaskManager keeps them: an id per query request, shown
// by SHOW QUERIES and stopped by KILL QUERY, plus the queryExecutor counters of SHOW STATS.
// Bounded by the engine's query concurrency limit; holds nothing once a query is done.

import { formatGoDuration } from '../language/duration.js';
import type { Series } from './result.js';

/** 1.x's answer to KILL QUERY of an id that is not running. */
export class NoSuchQueryError extends Error {
  constructor(id: bigint) {
    super(`no such query id: ${id}`);
    this.name = 'NoSuchQueryError';
  }
}

/** What the killed query's statements report (1.x: the task's interrupt). */
export const QUERY_KILLED_MESSAGE = 'query interrupted';

interface RunningQuery {
  readonly text: string;
  readonly db: string;
  readonly startedNs: bigint;
  readonly controller: AbortController;
  /** KILL QUERY stopped it (the controller also aborts when the caller goes away). */
  killed: boolean;
}

export interface QueryExecutorStats {
  readonly queriesActive: number;
  readonly queriesExecuted: number;
  readonly queriesFinished: number;
  readonly queryDurationNs: bigint;
}

export interface AttachedQuery {
  readonly id: bigint;
  /** Aborted when the query is killed or the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** Whether KILL QUERY stopped it. */
  killed(): boolean;
  detach(): void;
}

export class QueryTracker {
  private readonly running = new Map<bigint, RunningQuery>();
  private nextId = 1n;
  private executed = 0;
  private finished = 0;
  private durationNs = 0n;

  constructor(private readonly nowNs: () => bigint) {}

  /**
   * Registers a running query. Its signal follows `callerSignal` too: one controller and a
   * listener, cheaper per query than AbortSignal.any over the two.
   */
  attach(text: string, db: string, callerSignal?: AbortSignal): AttachedQuery {
    const id = this.nextId++;
    const controller = new AbortController();
    const startedNs = this.nowNs();
    const query: RunningQuery = { text: text.trim(), db, startedNs, controller, killed: false };
    this.running.set(id, query);
    this.executed++;
    const callerAborted = (): void => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted === true) callerAborted();
    else callerSignal?.addEventListener('abort', callerAborted, { once: true });
    let detached = false;
    return {
      id,
      signal: controller.signal,
      killed: () => query.killed,
      detach: () => {
        if (detached) return;
        detached = true;
        callerSignal?.removeEventListener('abort', callerAborted);
        this.running.delete(id);
        this.finished++;
        this.durationNs += this.nowNs() - startedNs;
      },
    };
  }

  kill(id: bigint): void {
    const query = this.running.get(id);
    if (query === undefined) throw new NoSuchQueryError(id);
    query.killed = true;
    query.controller.abort(new Error(QUERY_KILLED_MESSAGE));
  }

  /** SHOW QUERIES: qid, query, database, duration (truncated as 1.x does), status. */
  show(): Series[] {
    const now = this.nowNs();
    const values = [...this.running].map(([id, q]) => [id, q.text, q.db, formatGoDuration(truncateDuration(now - q.startedNs)), q.killed ? 'killed' : 'running']);
    return [{ columns: ['qid', 'query', 'database', 'duration', 'status'], values }];
  }

  stats(): QueryExecutorStats {
    return { queriesActive: this.running.size, queriesExecuted: this.executed, queriesFinished: this.finished, queryDurationNs: this.durationNs };
  }
}

/** Whole seconds past a second, whole milliseconds past a millisecond, whole microseconds past that. */
export function truncateDuration(ns: bigint): bigint {
  for (const unit of [1_000_000_000n, 1_000_000n, 1_000n]) if (ns >= unit) return ns - (ns % unit);
  return ns;
}
