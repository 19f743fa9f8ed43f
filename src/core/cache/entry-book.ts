// The bookkeeping every measurement cache shares (last and first values, recent points): its
// entries under one byte bound, the least recently used dropped first to make room, an entry that
// alone does not fit replaced by a small over-budget marker, entries forgotten by a match on
// (db, rp, measurement); and which acknowledged writes the stores may take. Pure.

import type { Catalog } from '../meta/catalog.js';
import type { WalEntry } from '../wal/wal-port.js';

export type EntryState = 'loading' | 'ready' | 'over-budget';

/** What the book needs of an entry; the stores add their own data. */
export interface BookEntry {
  state: EntryState;
  readonly series: { readonly size: number };
  bytes: number;
  /** Clock reading of the last query that used (or wanted) it: the least recently used go first. */
  usedAtMs: number;
}

/** Bytes an entry counts before it holds anything (and an over-budget marker counts). */
export const ENTRY_BYTES = 256;
/** An entry over budget is tried again after this long. */
export const OVER_BUDGET_RETRY_MS = 5 * 60_000;

/** Why a query of a shape a cache takes read storage instead. */
export type MissReason = 'loading' | 'over_budget' | 'inexact' | 'quarantined';

export function entryKey(db: string, rp: string, measurement: string): string {
  return `${db}\u0000${rp}\u0000${measurement}`;
}

export class EntryBook<E extends BookEntry> {
  private readonly entries = new Map<string, E>();
  private totalBytes = 0;
  private seriesCount = 0;

  /** `marker` makes the small entry that stands for one over budget (state 'over-budget', no series). */
  constructor(
    readonly maxBytes: number,
    private readonly marker: (entry: E) => E,
  ) {
    if (!(maxBytes > 0)) throw new RangeError('cache size must be > 0');
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Series held over all entries. */
  get series(): number {
    return this.seriesCount;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): E | undefined {
    return this.entries.get(key);
  }

  /** Adds a new entry if none is under `key` and room can be made for its bytes. */
  add(key: string, entry: E): boolean {
    if (this.entries.has(key) || !this.makeRoom(entry.bytes)) return false;
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    this.seriesCount += entry.series.size;
    return true;
  }

  /** Counts bytes (and series) an entry gained or gave back. */
  grow(entry: E, bytes: number, series = 0): void {
    entry.bytes += bytes;
    this.totalBytes += bytes;
    this.seriesCount += series;
  }

  /**
   * After an entry grew: true when everything fits, making room from other ready entries first;
   * false when the entry alone does not (it is then replaced by its over-budget marker).
   */
  fits(key: string, entry: E): boolean {
    if (this.totalBytes <= this.maxBytes || this.makeRoom(0, entry)) return true;
    this.overBudget(key, entry);
    return false;
  }

  /** Drops the entry under `key` if it is still `token` (a load failed, or it cannot stay exact). */
  drop(key: string, token: E): void {
    if (this.entries.get(key) !== token) return;
    this.entries.delete(key);
    this.totalBytes -= token.bytes;
    this.seriesCount -= token.series.size;
  }

  /** Replaces the entry under `key`, if still `token`, by its over-budget marker. */
  markOverBudget(key: string, token: E): void {
    if (this.entries.get(key) === token) this.overBudget(key, token);
  }

  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    for (const [key, entry] of [...this.entries]) {
      const [db = '', rp = '', measurement = ''] = key.split('\u0000');
      if (match(db, rp, measurement)) this.drop(key, entry);
    }
  }

  /** Drops markers of entries over budget since before `beforeMs`, so a later query may load them again. */
  retryOverBudget(beforeMs: number): void {
    for (const [key, entry] of [...this.entries]) if (entry.state === 'over-budget' && entry.usedAtMs < beforeMs) this.drop(key, entry);
  }

  private overBudget(key: string, entry: E): void {
    this.drop(key, entry);
    const marker = this.marker(entry);
    this.entries.set(key, marker);
    this.totalBytes += marker.bytes;
  }

  /** Drops least recently used ready entries (but `keep`) until `bytes` more fit; false if they cannot. */
  private makeRoom(bytes: number, keep?: E): boolean {
    if (this.totalBytes + bytes <= this.maxBytes) return true;
    const candidates = [...this.entries].filter(([, e]) => e.state === 'ready' && e !== keep).sort((a, b) => a[1].usedAtMs - b[1].usedAtMs);
    for (const [key, entry] of candidates) {
      this.drop(key, entry);
      if (this.totalBytes + bytes <= this.maxBytes) return true;
    }
    return false;
  }
}

export interface ReadyEntryHow {
  readonly nowMs: number;
  /** Whether the query waits for the load (mode `on`). */
  readonly waits: boolean;
  readonly load: () => Promise<void> | undefined;
  readonly miss: (reason: MissReason) => undefined;
}

/** A measurement cache's store: its entries kept in one book, and what callers do with whole entries. */
export class EntryStore<E extends BookEntry> {
  protected readonly book: EntryBook<E>;

  constructor(maxBytes: number, marker: (entry: E) => E) {
    this.book = new EntryBook<E>(maxBytes, marker);
  }

  get bytes(): number {
    return this.book.bytes;
  }

  /** Series held over all entries. */
  get series(): number {
    return this.book.series;
  }

  get measurements(): number {
    return this.book.size;
  }

  /** Bytes the cache may hold at most. */
  get maxBytes(): number {
    return this.book.maxBytes;
  }

  entry(db: string, rp: string, measurement: string): E | undefined {
    return this.book.get(entryKey(db, rp, measurement));
  }

  /** The entry a write of this measurement goes into: none while over budget or when the write is not taken. */
  protected writableEntry(key: string, measurement: string, accepts: (measurement: string) => boolean): E | undefined {
    const entry = this.book.get(key);
    return entry === undefined || entry.state === 'over-budget' || !accepts(measurement) ? undefined : entry;
  }

  /**
   * The measurement's entry once it answers. An over-budget one is retried after a while; else its
   * load is started (`load`, undefined when none can start) and, when `waits`, awaited. Every
   * other outcome is a miss, reported through `miss`.
   */
  async readyEntry(db: string, rp: string, measurement: string, how: ReadyEntryHow): Promise<E | undefined> {
    let entry = this.entry(db, rp, measurement);
    if (entry?.state === 'ready') return entry;
    if (entry?.state === 'over-budget') {
      this.retryOverBudget(how.nowMs - OVER_BUDGET_RETRY_MS);
      if (this.entry(db, rp, measurement) !== undefined) return how.miss('over_budget');
    }
    const load = how.load();
    if (!how.waits || load === undefined) return how.miss('loading');
    await load;
    entry = this.entry(db, rp, measurement);
    if (entry?.state === 'ready') return entry;
    return how.miss(entry?.state === 'over-budget' ? 'over_budget' : 'loading');
  }

  /** The load failed: forget the entry so a later query tries again. */
  abandon(db: string, rp: string, measurement: string, token: E): void {
    this.book.drop(entryKey(db, rp, measurement), token);
  }

  /** The measurement holds more than fits: mark it so queries read storage for a while. */
  markOverBudget(db: string, rp: string, measurement: string, token: E): void {
    this.book.markOverBudget(entryKey(db, rp, measurement), token);
  }

  /** Drops the entries of measurements whose data was deleted or dropped (loaded again on use). */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    this.book.forget(match);
  }

  /** Drops entries over budget since before `beforeMs`, so a later query may load them again. */
  retryOverBudget(beforeMs: number): void {
    this.book.retryOverBudget(beforeMs);
  }
}

/**
 * Whether a store may take a write's points of this measurement as the flush stores them: not when
 * they predate the measurement (it was dropped and made again since: skipped), and not as they
 * are when a delete applied after they were validated will run again on them (`forget` is then
 * called, as the store's entry can no longer be trusted).
 */
export function takesWrite(catalog: Catalog, entry: WalEntry, measurement: string, forget: () => void): boolean {
  const state = catalog.measurementState(entry.db, entry.rp, measurement);
  if (state === undefined || entry.catalogIndex < state.createdAtIndex) return false;
  if (catalog.deletesAfter(entry.catalogIndex, entry.db, measurement).length === 0) return true;
  forget();
  return false;
}
