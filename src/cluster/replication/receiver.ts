// Applies entries other nodes ship (replication pushes and WAL-delta pulls): per origin one batch at
// a time, in originSeq order, each entry once, and only after this node's catalog reached the
// index the origin validated it against. The acknowledgement follows the local durable append.

import { UnavailableError } from '../../core/errors.js';
import { WalGapError, type ReplicatedAppend, type WalEntry } from '../../core/wal/wal-port.js';
import type { ClusterMetrics } from '../cluster-metrics.js';
import type { Tracer } from '../../core/tracing.js';

export interface ReceiverDeps {
  readonly appendReplicated: (entry: WalEntry, shippedValue?: Buffer) => Promise<ReplicatedAppend>;
  /** The origin's watermark here: every originSeq up to it is held. */
  readonly watermark: (origin: string) => number;
  /** Resolves true once the local catalog index reaches `index`, false after `timeoutMs`. */
  readonly waitForCatalog: (index: number, timeoutMs: number) => Promise<boolean>;
  readonly metrics: ClusterMetrics;
  readonly tracer: Tracer;
}

export type ReceiveOutcome = { readonly kind: 'ok'; readonly ackSeq: number } | { readonly kind: 'gap'; readonly ackSeq: number };

export class ReplicationReceiver {
  /** The batch being applied per origin: batches of one origin never interleave. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: ReceiverDeps,
    private readonly catalogWaitMs: number,
  ) {}

  /** `values`: the sealed values as shipped (parallel to `entries`), stored without encoding again. */
  receive(origin: string, entries: readonly WalEntry[], values?: readonly Buffer[]): Promise<ReceiveOutcome> {
    const previous = this.tails.get(origin) ?? Promise.resolve();
    const run = previous.then(() => this.apply(origin, entries, values));
    const tail = run.catch(() => undefined);
    this.tails.set(origin, tail);
    void tail.then(() => {
      if (this.tails.get(origin) === tail) this.tails.delete(origin);
    });
    return run;
  }

  /**
   * Runs `fn` while no batch of these origins is applied (before it: the ones already queued;
   * after it: the ones that arrive meanwhile). Adopting watermarks after a full copy runs so, and
   * never races an append of the same origin.
   */
  whileHolding<T>(origins: readonly string[], fn: () => Promise<T>): Promise<T> {
    const previous = Promise.all(origins.map((origin) => this.tails.get(origin) ?? Promise.resolve()));
    const run = previous.then(fn);
    const tail = run.catch(() => undefined);
    for (const origin of origins) {
      this.tails.set(origin, tail);
      void tail.then(() => {
        if (this.tails.get(origin) === tail) this.tails.delete(origin);
      });
    }
    return run;
  }

  private async apply(origin: string, entries: readonly WalEntry[], values: readonly Buffer[] | undefined): Promise<ReceiveOutcome> {
    const { deps } = this;
    if (entries.length === 0) return { kind: 'ok', ackSeq: deps.watermark(origin) };
    const needed = Math.max(...entries.map((e) => e.catalogIndex));
    if (!(await deps.tracer.detail('replication.catalog_wait', { 'hyperbytedb.catalog_index': needed }, () => deps.waitForCatalog(needed, this.catalogWaitMs)))) {
      throw new UnavailableError(`catalog behind: entries need catalog index ${needed}; retry once this node has caught up`);
    }
    // Admission is synchronous and in call order, so the batch is appended in order and group-committed.
    const results = await deps.tracer.detail('replication.append', { 'hyperbytedb.origin': origin, 'hyperbytedb.entries': entries.length }, () =>
      Promise.allSettled(entries.map((entry, i) => deps.appendReplicated(entry, values?.[i]))),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') {
        deps.metrics.applyEntries.inc({ outcome: result.value.kind });
        continue;
      }
      if (result.reason instanceof WalGapError) {
        deps.metrics.applyEntries.inc({ outcome: 'gap' });
        return { kind: 'gap', ackSeq: deps.watermark(origin) };
      }
      deps.metrics.applyEntries.inc({ outcome: 'error' });
      throw result.reason;
    }
    return { kind: 'ok', ackSeq: deps.watermark(origin) };
  }
}
