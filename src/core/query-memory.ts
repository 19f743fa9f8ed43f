// One memory budget shared by every running query: each query holds a lease, reserves the bytes
// its rows will take before it builds them, and gives them back once its answer is written.
// Pure accounting: it never measures the heap, allocates rows or talks to chDB.

import { LimitExceededError } from './errors.js';

/** What a query's reads and shaping steps charge their rows to (QueryPort's view of a lease). */
export interface MemoryLease {
  /** Takes `bytes` from the shared budget, or throws QueryMemoryExceededError and takes nothing. */
  reserve(bytes: number): void;
  /** Gives back bytes this lease reserved (never more than it holds). */
  release(bytes: number): void;
  /** Counts a refusal made elsewhere (chDB's own memory limit) and returns the error to throw. */
  refuse(message: string): QueryMemoryExceededError;
}

/**
 * A query refused by the budget. A statement error (HTTP 200), as InfluxDB 1.x reports its
 * max-select-point and max-select-series limits: 1.x clients show it as the statement's error,
 * and a chunked answer whose status line is already sent can still carry it.
 */
export class QueryMemoryExceededError extends LimitExceededError {
  constructor(message: string) {
    super(message, 200);
  }
}

/**
 * JS bytes of decoded rows, calibrated on Node 20 against the heap held by shaped results: an
 * array per row (header plus a slot per cell), a boxed number, bigint or short string per cell,
 * plus the payload bytes of the answer (strings, and a margin for numbers). Over-estimates the
 * heap the rows finally hold by 0-40%.
 */
const ROW_BYTES = 24;
const CELL_BYTES = 28;

/** Estimated heap bytes of `rows` rows of `columns` cells decoded from `payloadBytes` of answer. */
export function estimateRowsBytes(rows: number, columns: number, payloadBytes = 0): number {
  return rows * (ROW_BYTES + columns * CELL_BYTES) + payloadBytes;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * The budget: `limitBytes` shared by all leases. Refusals never wait: a query that cannot reserve
 * fails and gives back what it held, so two growing queries never wait on each other.
 */
export class QueryMemoryBudget {
  private inUse = 0;
  private refused = 0;
  private leases = 0;

  constructor(readonly limitBytes: number) {
    if (!(Number.isSafeInteger(limitBytes) && limitBytes > 0)) throw new RangeError(`query memory limit must be a positive integer, got ${limitBytes}`);
  }

  /** Bytes reserved by all open leases. */
  get inUseBytes(): number {
    return this.inUse;
  }

  /** Reservations refused since start. */
  get refusals(): number {
    return this.refused;
  }

  /** Leases not yet closed (running queries and answers still being written). */
  get openLeases(): number {
    return this.leases;
  }

  /** A lease for one query; close() it once its answer is written or it failed. */
  open(): QueryMemory {
    this.leases++;
    return new QueryMemory(this);
  }

  /** Counts a refusal made elsewhere and returns its error. */
  refuse(message: string): QueryMemoryExceededError {
    this.refused++;
    return new QueryMemoryExceededError(message);
  }

  /** @internal Called by QueryMemory only. */
  take(lease: QueryMemory, bytes: number): void {
    if (this.inUse + bytes <= this.limitBytes) {
      this.inUse += bytes;
      return;
    }
    this.refused++;
    const alone = lease.heldBytes + bytes > this.limitBytes;
    throw new QueryMemoryExceededError(
      alone
        ? `max-query-memory limit exceeded: the query needs more than the ${mib(this.limitBytes)} all queries share (query.max_memory); narrow the time range, select fewer series or fields, or use a coarser GROUP BY time()`
        : `max-query-memory limit exceeded: running queries hold ${mib(this.inUse)} of ${mib(this.limitBytes)} (query.max_memory) and this query needs ${mib(bytes)} more; retry when fewer queries run`,
    );
  }

  /** @internal Called by QueryMemory only. */
  give(bytes: number, closing: boolean): void {
    this.inUse -= bytes;
    if (this.inUse < 0) throw new Error(`assertion failed: query memory in use went negative (${this.inUse})`);
    if (closing) this.leases--;
  }
}

/** One query's share of the budget. Idempotent close(); reserve() after close() is a bug. */
export class QueryMemory implements MemoryLease {
  private held = 0;
  private closed = false;

  constructor(private readonly budget: QueryMemoryBudget) {}

  get heldBytes(): number {
    return this.held;
  }

  reserve(bytes: number): void {
    if (this.closed) throw new Error('assertion failed: reserve on a closed query memory lease');
    if (!(Number.isFinite(bytes) && bytes >= 0)) throw new RangeError(`bytes to reserve must be a finite number >= 0, got ${bytes}`);
    const whole = Math.ceil(bytes);
    if (whole === 0) return;
    this.budget.take(this, whole);
    this.held += whole;
  }

  release(bytes: number): void {
    if (this.closed) return;
    const whole = Math.min(this.held, Math.ceil(Math.max(0, bytes)));
    this.held -= whole;
    this.budget.give(whole, false);
  }

  refuse(message: string): QueryMemoryExceededError {
    return this.budget.refuse(message);
  }

  /** Gives back everything this lease holds. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const held = this.held;
    this.held = 0;
    this.budget.give(held, true);
  }
}

/**
 * The budget actually applied: the configured limit, but never more than `heapShare` of the V8
 * heap limit, so the rows of running queries cannot by themselves exhaust the JavaScript heap.
 */
export function effectiveQueryMemoryBytes(configuredBytes: number, heapLimitBytes: number, heapShare = 0.5): number {
  return Math.max(1, Math.min(configuredBytes, Math.floor(heapLimitBytes * heapShare)));
}
