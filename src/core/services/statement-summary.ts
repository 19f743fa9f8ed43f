// The statement summary: recently executed TimeseriesQL statements grouped by shape (normalized
// text), with counts, timings, errors and the trace of the slowest run. Bounded: at most
// maxEntries shapes, the least recently seen evicted. Holds no literal and no password.

import { createHash } from 'node:crypto';
import type { Statement } from '../query/language/ast.js';
import { normalizeStatement } from '../query/language/statement-normalize.js';

export interface StatementSummaryOptions {
  /** Shapes kept; the least recently seen goes when a new one arrives. */
  readonly maxEntries: number;
  /** Normalized text longer than this is cut (a huge IN list stays one bounded entry). */
  readonly maxTextLength: number;
}

export const defaultStatementSummaryOptions: StatementSummaryOptions = { maxEntries: 1000, maxTextLength: 4096 };

export function validateStatementSummaryOptions(options: StatementSummaryOptions): void {
  for (const [name, value] of Object.entries(options)) {
    if (!(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`statement summary: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/** What GET /api/v1/statements lists for one shape. */
export interface StatementSummaryEntry {
  readonly digest: string;
  readonly text: string;
  readonly count: number;
  readonly errors: number;
  readonly lastError: string | null;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** Epoch milliseconds. */
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** W3C trace id of the request whose run was the slowest, when it carried one. */
  readonly slowestTraceId: string | null;
}

interface MutableEntry {
  digest: string;
  text: string;
  count: number;
  errors: number;
  lastError: string | null;
  totalMs: number;
  maxMs: number;
  firstSeenMs: number;
  lastSeenMs: number;
  slowestTraceId: string | null;
}

/** One finished statement. */
export interface StatementRun {
  readonly statement: Statement;
  readonly durationMs: number;
  /** The statement's error as the client saw it, if it failed. */
  readonly error?: string;
  readonly traceId: string | null;
}

/** Times each statement a query runs and reports it when done (the executor calls it). */
export interface StatementObserver {
  /** Called as a statement starts; the returned function is called once it finished (with its error, if any). */
  started(statement: Statement): (error?: string) => void;
}

export class StatementSummary {
  private readonly entries = new Map<string, MutableEntry>();

  constructor(
    private readonly options: StatementSummaryOptions,
    private readonly clock: { nowMs(): number; monotonicMs(): number },
  ) {
    validateStatementSummaryOptions(options);
  }

  /**
   * An observer for one request. `traceId` is the request's trace id or null, or a function
   * asked as each statement finishes (the active span's trace, when tracing is on).
   */
  observer(traceId: string | null | (() => string | null)): StatementObserver {
    const traceOf = typeof traceId === 'function' ? traceId : () => traceId;
    return {
      started: (statement) => {
        const startedMs = this.clock.monotonicMs();
        return (error) => this.record({ statement, durationMs: this.clock.monotonicMs() - startedMs, traceId: traceOf(), ...(error !== undefined ? { error } : {}) });
      },
    };
  }

  record(run: StatementRun): void {
    let text = normalizeStatement(run.statement);
    if (text.length > this.options.maxTextLength) text = `${text.slice(0, this.options.maxTextLength)}…`;
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const now = this.clock.nowMs();
    let entry = this.entries.get(digest);
    if (entry === undefined) {
      entry = { digest, text, count: 0, errors: 0, lastError: null, totalMs: 0, maxMs: 0, firstSeenMs: now, lastSeenMs: now, slowestTraceId: null };
    } else {
      this.entries.delete(digest);
    }
    this.entries.set(digest, entry);
    entry.count++;
    entry.totalMs += run.durationMs;
    if (run.durationMs >= entry.maxMs) {
      entry.maxMs = run.durationMs;
      entry.slowestTraceId = run.traceId;
    }
    if (run.error !== undefined) {
      entry.errors++;
      entry.lastError = run.error;
    }
    entry.lastSeenMs = now;
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Every kept shape, most recently seen first. */
  list(): StatementSummaryEntry[] {
    return [...this.entries.values()].reverse().map((e) => ({ ...e, meanMs: e.totalMs / e.count }));
  }

  get size(): number {
    return this.entries.size;
  }
}
