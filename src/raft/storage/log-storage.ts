// Port: the durable Raft log (entries, snapshot, bootstrap configuration) behind the driver.
// Adapters make each update durable in one batch and only then mirror it into the in-memory log the core reads.

import type { ConfState, Entry, HardState, LogStorageReader, Snapshot } from '../core/types.js';
import type { HardStateStorage } from './hard-state-storage.js';

/** What one Ready asks to make durable; written as one atomic batch. */
export interface StableUpdate {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
}

export interface OpenLogOptions {
  /**
   * Initial voters/learners for a brand-new cluster. Used only when the store is empty:
   * the adapter writes one committed conf-change entry per member at term 1, so nodes that
   * join later learn the initial configuration by replaying the log. Omit to join an existing cluster.
   */
  readonly bootstrap?: ConfState;
}

export interface OpenedLog {
  /** True when the store held no state and was created (or bootstrapped) by this open. */
  readonly fresh: boolean;
  readonly hardState: HardState;
  /** The durable snapshot, or null if none was ever taken or received. */
  readonly snapshot: Snapshot | null;
  readonly firstIndex: number;
  readonly lastIndex: number;
}

export interface LogStorage extends HardStateStorage {
  /** The synchronous in-memory mirror the core reads; valid after open(). */
  readonly reader: LogStorageReader;
  /** Loads durable state into memory; idempotent while open. Throws on corruption rather than truncating. */
  open(options?: OpenLogOptions): Promise<OpenedLog>;
  /** Makes `update` durable in one batch (synced when `sync`), then mirrors it into `reader`. */
  persist(update: StableUpdate, options: { readonly sync: boolean }): Promise<void>;
  /** Records the state machine's snapshot at `index` (≤ applied) durably and returns it. */
  saveSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot>;
  /** Deletes entries up to and including `index`, which must be covered by the durable snapshot (etcd's Compact). */
  compact(index: number): Promise<void>;
  close(): Promise<void>;
}
