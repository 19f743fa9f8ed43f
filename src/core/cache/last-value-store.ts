// The last-value cache's memory: per measurement, per series, per field the newest points.
// Pure bookkeeping under a byte bound: loading from storage and answering queries live elsewhere.
//
// A measurement's entry is created empty and observes every acknowledged write from then on,
// before storage is read, so each point is either stored by the time of that read or observed
// (the tag value index works the same way). It answers only once the stored part was merged in.
// Anything that removes data forgets entries; past the byte bound an entry is dropped and marked
// over budget, so queries read storage instead: never a wrong answer, only a slower one.

import type { Point } from '../model/point.js';
import { seriesKey } from '../store/insert-encoder.js';
import { emptyHistory, mergePoint, mergeStored, historyBytes, type FieldHistory } from './field-history.js';

export interface SeriesLatest {
  /** The canonical series key (the table's `_series`). */
  readonly key: string;
  /** Tags as a flat sorted [key, value, …] list. */
  readonly tags: readonly string[];
  readonly fields: Map<string, FieldHistory>;
  /**
   * The field keys array of the last point observed (the parser shares one between points of a
   * shape) and its histories in that order, so the next point of the same shape looks none up.
   */
  shapeKeys: readonly string[] | null;
  shapeHistories: FieldHistory[];
}

export type EntryState = 'loading' | 'ready' | 'over-budget';

export interface MeasurementEntry {
  state: EntryState;
  readonly series: Map<string, SeriesLatest>;
  bytes: number;
  /** Clock reading of the last query that used (or wanted) it: the least recently used go first. */
  usedAtMs: number;
}

/**
 * Which end of each series is held: its newest points (last values) or its oldest (first values).
 * The oldest are held under negated times, so "newest first" below means "oldest first" there and
 * every rule (merge, range, overwrite) reads the same.
 */
export type HeldEdge = 'newest' | 'oldest';

export interface LastValueStoreOptions {
  /** Points held per (series, field): at least 2 (InfluxDB's first() and last() look at two per series). */
  readonly depth: number;
  /** 'newest' when absent. */
  readonly edge?: HeldEdge;
  /** Estimated heap bytes all entries may hold. */
  readonly maxBytes: number;
}

/** What a write carries besides its points: how its equal-time overwrites are ordered. */
export interface WriteOrder {
  readonly version: bigint;
  /** Accepted by another node (its version is not necessarily above every stored one). */
  readonly replicated: boolean;
}

/** One series as read back from storage: tags and per field its newest points. */
export interface StoredSeries {
  readonly key: string;
  readonly tags: readonly string[];
  readonly fields: ReadonlyMap<string, FieldHistory>;
}

const ENTRY_BYTES = 256;
const FIELD_BYTES = 120;

function seriesBytes(key: string, tags: readonly string[]): number {
  let bytes = 160 + 2 * key.length;
  for (const tag of tags) bytes += 16 + 2 * tag.length;
  return bytes;
}

export function entryKey(db: string, rp: string, measurement: string): string {
  return `${db}\u0000${rp}\u0000${measurement}`;
}

export class LastValueStore {
  private readonly entries = new Map<string, MeasurementEntry>();
  private totalBytes = 0;
  private seriesCount = 0;

  constructor(private readonly options: LastValueStoreOptions) {
    if (!(Number.isSafeInteger(options.depth) && options.depth >= 2)) throw new RangeError('last-value cache depth must be an integer >= 2');
    if (!(options.maxBytes > 0)) throw new RangeError('last-value cache size must be > 0');
  }

  get depth(): number {
    return this.options.depth;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Series held over all entries. */
  get series(): number {
    return this.seriesCount;
  }

  get measurements(): number {
    return this.entries.size;
  }

  entry(db: string, rp: string, measurement: string): MeasurementEntry | undefined {
    return this.entries.get(entryKey(db, rp, measurement));
  }

  /**
   * Records acknowledged points of one write (all of one db and rp) into the entries that exist.
   * `conflict` is called for a measurement whose entry can no longer be trusted (it is dropped).
   */
  observe(db: string, rp: string, points: readonly Point[], order: WriteOrder, accepts: (measurement: string) => boolean): void {
    if (this.entries.size === 0) return;
    let lastMeasurement: string | undefined;
    let entry: MeasurementEntry | undefined;
    let key = '';
    // The parser shares one tags array between the points of a series in a request.
    let byTags: Map<readonly string[], SeriesLatest> | undefined;
    const { version, replicated } = order;
    const depth = this.options.depth;
    const negate = this.options.edge === 'oldest';
    for (const point of points) {
      if (point.measurement !== lastMeasurement) {
        lastMeasurement = point.measurement;
        key = entryKey(db, rp, point.measurement);
        entry = this.entries.get(key);
        if (entry !== undefined && (entry.state === 'over-budget' || !accepts(point.measurement))) entry = undefined;
        byTags = undefined;
      }
      if (entry === undefined) continue;
      byTags ??= new Map();
      let series = byTags.get(point.tags);
      if (series === undefined) byTags.set(point.tags, (series = this.seriesOf(entry, point)));
      const timeNs = negate ? -(point.timeNs ?? 0n) : (point.timeNs ?? 0n);
      const { fieldKeys, fieldValues } = point;
      let added = 0;
      if (series.shapeKeys !== fieldKeys) added += this.resolveShape(series, fieldKeys);
      const histories = series.shapeHistories;
      for (let f = 0; f < fieldKeys.length; f++) {
        const bytes = mergePoint(histories[f]!, timeNs, fieldValues[f]!, version, replicated, depth);
        if (bytes === null) {
          this.drop(key, entry);
          entry = undefined;
          break;
        }
        added += bytes;
      }
      if (entry === undefined) continue;
      entry.bytes += added;
      this.totalBytes += added;
      if (this.totalBytes > this.options.maxBytes && !this.makeRoom(0, entry)) {
        this.overBudget(key, entry);
        entry = undefined;
      }
    }
  }

  /** Points the series at the histories of `fieldKeys` (created empty where missing); returns the bytes added. */
  private resolveShape(series: SeriesLatest, fieldKeys: readonly string[]): number {
    let added = 0;
    series.shapeHistories = fieldKeys.map((field) => {
      let history = series.fields.get(field);
      if (history === undefined) {
        series.fields.set(field, (history = emptyHistory()));
        added += FIELD_BYTES;
      }
      return history;
    });
    series.shapeKeys = fieldKeys;
    return added;
  }

  private seriesOf(entry: MeasurementEntry, point: Point): SeriesLatest {
    const key = seriesKey(point);
    let series = entry.series.get(key);
    if (series === undefined) {
      series = { key, tags: point.tags.slice(), fields: new Map(), shapeKeys: null, shapeHistories: [] };
      entry.series.set(key, series);
      const bytes = seriesBytes(key, point.tags);
      entry.bytes += bytes;
      this.totalBytes += bytes;
      this.seriesCount++;
    }
    return series;
  }

  /**
   * Starts an entry that observes writes; returns it as the token for complete(), or undefined
   * when one exists already or no room can be made (least recently used entries are dropped).
   */
  begin(db: string, rp: string, measurement: string, nowMs: number): MeasurementEntry | undefined {
    const key = entryKey(db, rp, measurement);
    if (this.entries.has(key)) return undefined;
    if (!this.makeRoom(ENTRY_BYTES)) return undefined;
    const entry: MeasurementEntry = { state: 'loading', series: new Map(), bytes: ENTRY_BYTES, usedAtMs: nowMs };
    this.totalBytes += ENTRY_BYTES;
    this.entries.set(key, entry);
    return entry;
  }

  /** Bytes the cache may hold at most (the loader reads no more series than could fit). */
  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /**
   * Merges the stored series read after begin(). False when the entry was dropped meanwhile,
   * does not fit, or an equal-time overwrite cannot be ordered (then it is dropped).
   */
  complete(db: string, rp: string, measurement: string, token: MeasurementEntry, stored: readonly StoredSeries[]): boolean {
    const key = entryKey(db, rp, measurement);
    const entry = this.entries.get(key);
    if (entry !== token || entry.state !== 'loading') return false;
    const depth = this.options.depth;
    let added = 0;
    for (const read of stored) {
      let series = entry.series.get(read.key);
      if (series === undefined) {
        series = { key: read.key, tags: read.tags, fields: new Map(), shapeKeys: null, shapeHistories: [] };
        entry.series.set(read.key, series);
        added += seriesBytes(read.key, read.tags);
        this.seriesCount++;
      }
      for (const [field, storedHistory] of read.fields) {
        const observed = series.fields.get(field);
        const merged = mergeStored(observed, storedHistory, depth);
        if (merged === null) {
          this.drop(key, entry);
          return false;
        }
        added += historyBytes(merged) - (observed === undefined ? -FIELD_BYTES : historyBytes(observed));
        series.fields.set(field, merged);
        series.shapeKeys = null;
      }
    }
    entry.bytes += added;
    this.totalBytes += added;
    if (this.totalBytes > this.options.maxBytes && !this.makeRoom(0, entry)) {
      this.overBudget(key, entry);
      return false;
    }
    entry.state = 'ready';
    return true;
  }

  /** The load failed: forget the entry so a later query tries again. */
  abandon(db: string, rp: string, measurement: string, token: MeasurementEntry): void {
    const key = entryKey(db, rp, measurement);
    if (this.entries.get(key) === token) this.drop(key, token);
  }

  /** The measurement holds more than fits: mark it so queries read storage for a while. */
  markOverBudget(db: string, rp: string, measurement: string, token: MeasurementEntry): void {
    const key = entryKey(db, rp, measurement);
    if (this.entries.get(key) === token) this.overBudget(key, token);
  }

  /** Drops the entries of measurements whose data was deleted or dropped (loaded again on use). */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    for (const [key, entry] of [...this.entries]) {
      const [db = '', rp = '', measurement = ''] = key.split('\u0000');
      if (match(db, rp, measurement)) this.drop(key, entry);
    }
  }

  /** Drops entries over budget since before `beforeMs`, so a later query may load them again. */
  retryOverBudget(beforeMs: number): void {
    for (const [key, entry] of [...this.entries]) if (entry.state === 'over-budget' && entry.usedAtMs < beforeMs) this.drop(key, entry);
  }

  private overBudget(key: string, entry: MeasurementEntry): void {
    this.drop(key, entry);
    // A small marker stays so queries do not load it again at once.
    const marker: MeasurementEntry = { state: 'over-budget', series: new Map(), bytes: ENTRY_BYTES, usedAtMs: entry.usedAtMs };
    this.entries.set(key, marker);
    this.totalBytes += ENTRY_BYTES;
  }

  private drop(key: string, entry: MeasurementEntry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    this.seriesCount -= entry.series.size;
  }

  /** Drops least recently used ready entries (but `keep`) until `bytes` more fit; false if they cannot. */
  private makeRoom(bytes: number, keep?: MeasurementEntry): boolean {
    if (this.totalBytes + bytes <= this.options.maxBytes) return true;
    const candidates = [...this.entries].filter(([, e]) => e.state === 'ready' && e !== keep).sort((a, b) => a[1].usedAtMs - b[1].usedAtMs);
    for (const [key, entry] of candidates) {
      this.drop(key, entry);
      if (this.totalBytes + bytes <= this.options.maxBytes) return true;
    }
    return false;
  }
}
