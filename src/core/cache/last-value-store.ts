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
import { ENTRY_BYTES, EntryStore, entryKey, type BookEntry } from './entry-book.js';
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

export interface MeasurementEntry extends BookEntry {
  readonly series: Map<string, SeriesLatest>;
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

const FIELD_BYTES = 120;

function seriesBytes(key: string, tags: readonly string[]): number {
  let bytes = 160 + 2 * key.length;
  for (const tag of tags) bytes += 16 + 2 * tag.length;
  return bytes;
}

export class LastValueStore extends EntryStore<MeasurementEntry> {
  constructor(private readonly options: LastValueStoreOptions) {
    super(options.maxBytes, (entry) => ({ state: 'over-budget', series: new Map(), bytes: ENTRY_BYTES, usedAtMs: entry.usedAtMs }));
    if (!(Number.isSafeInteger(options.depth) && options.depth >= 2)) throw new RangeError('last-value cache depth must be an integer >= 2');
  }

  get depth(): number {
    return this.options.depth;
  }

  /**
   * Records acknowledged points of one write (all of one db and rp) into the entries that exist.
   * `conflict` is called for a measurement whose entry can no longer be trusted (it is dropped).
   */
  observe(db: string, rp: string, points: readonly Point[], order: WriteOrder, accepts: (measurement: string) => boolean): void {
    if (this.book.size === 0) return;
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
        entry = this.writableEntry(key, point.measurement, accepts);
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
          this.book.drop(key, entry);
          entry = undefined;
          break;
        }
        added += bytes;
      }
      if (entry === undefined) continue;
      this.book.grow(entry, added);
      if (!this.book.fits(key, entry)) entry = undefined;
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
      this.book.grow(entry, seriesBytes(key, point.tags), 1);
    }
    return series;
  }

  /**
   * Starts an entry that observes writes; returns it as the token for complete(), or undefined
   * when one exists already or no room can be made (least recently used entries are dropped).
   */
  begin(db: string, rp: string, measurement: string, nowMs: number): MeasurementEntry | undefined {
    const entry: MeasurementEntry = { state: 'loading', series: new Map(), bytes: ENTRY_BYTES, usedAtMs: nowMs };
    return this.book.add(entryKey(db, rp, measurement), entry) ? entry : undefined;
  }

  /**
   * Merges the stored series read after begin(). False when the entry was dropped meanwhile,
   * does not fit, or an equal-time overwrite cannot be ordered (then it is dropped).
   */
  complete(db: string, rp: string, measurement: string, token: MeasurementEntry, stored: readonly StoredSeries[]): boolean {
    const key = entryKey(db, rp, measurement);
    const entry = this.book.get(key);
    if (entry !== token || entry.state !== 'loading') return false;
    const depth = this.options.depth;
    let added = 0;
    let addedSeries = 0;
    for (const read of stored) {
      let series = entry.series.get(read.key);
      if (series === undefined) {
        series = { key: read.key, tags: read.tags, fields: new Map(), shapeKeys: null, shapeHistories: [] };
        entry.series.set(read.key, series);
        added += seriesBytes(read.key, read.tags);
        addedSeries++;
      }
      for (const [field, storedHistory] of read.fields) {
        const observed = series.fields.get(field);
        const merged = mergeStored(observed, storedHistory, depth);
        if (merged === null) {
          // The series created so far count in the entry dropped with it.
          this.book.grow(entry, added, addedSeries);
          this.book.drop(key, entry);
          return false;
        }
        added += historyBytes(merged) - (observed === undefined ? -FIELD_BYTES : historyBytes(observed));
        series.fields.set(field, merged);
        series.shapeKeys = null;
      }
    }
    this.book.grow(entry, added, addedSeries);
    if (!this.book.fits(key, entry)) return false;
    entry.state = 'ready';
    return true;
  }
}
