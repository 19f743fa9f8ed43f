// The recent-points cache's memory: per measurement, per series, every point at or after the
// entry's cover time, as sorted columns (times relative to a base, one typed array per field).
// Pure bookkeeping under a byte bound: loading from storage and answering queries live elsewhere.
//
// Invariant of a ready entry: for each of its series, every stored point at or after `coverFromNs`
// is held, and a series not held has no such point. An entry is created empty and observes every
// acknowledged write from then on, before storage is read, so each point is stored by the time of
// that read or observed; the read is merged in when it arrives (recent-points-cache.ts).

import type { FieldType, Point } from '../model/point.js';
import { seriesKey } from '../store/insert-encoder.js';
import { ENTRY_BYTES, EntryStore, entryKey, type BookEntry } from './entry-book.js';

/** Times are held as exact doubles relative to the entry's base: at most this far from it. */
export const MAX_REL_NS = 2 ** 52;

/** One field's values, aligned with the series' times: NaN (numbers) or undefined (strings) where absent. */
export interface RecentColumn {
  readonly type: FieldType;
  num: Float64Array | null;
  str: Array<string | undefined> | null;
}

export interface RecentSeries {
  readonly key: string;
  /** Tags as a flat sorted [key, value, …] list. */
  readonly tags: readonly string[];
  /** Times relative to the entry's base, ascending and unique; `length` of them are used. */
  times: Float64Array;
  /** Per row: 1 when a replicated write set it while the entry was loading (its order is unknown). */
  flags: Uint8Array;
  length: number;
  readonly columns: Map<string, RecentColumn>;
}

export interface RecentEntry extends BookEntry {
  /** Every stored point at or after it is held (MIN_TIME_NS: every point). */
  coverFromNs: bigint;
  /** Times are held relative to it. */
  readonly baseNs: bigint;
  readonly series: Map<string, RecentSeries>;
}

export interface RecentWrite {
  /** Accepted by another node: an equal-time overwrite cannot be ordered here. */
  readonly replicated: boolean;
}

/** One series as read back from storage: times relative to the entry's base, ascending, and its columns aligned with them. */
export interface StoredSeries {
  readonly key: string;
  readonly tags: readonly string[];
  readonly times: Float64Array;
  readonly columns: ReadonlyMap<string, RecentColumn>;
}

const SERIES_BYTES = 200;
const COLUMN_BYTES = 80;
const MIN_CAPACITY = 16;

/** Estimated heap bytes of a series: key, tags, times, flags and columns at their capacity. */
function seriesBytes(series: RecentSeries): number {
  const capacity = series.times.length;
  let bytes = SERIES_BYTES + 2 * series.key.length + 9 * capacity;
  for (const tag of series.tags) bytes += 16 + 2 * tag.length;
  for (const column of series.columns.values()) {
    bytes += columnBytes(column, capacity);
    if (column.str !== null) for (const text of column.str) bytes += text === undefined ? 0 : 2 * text.length;
  }
  return bytes;
}


/** A field value as the number a numeric column holds; undefined when it cannot be held exactly. */
export function numericValue(type: FieldType, value: unknown): number | undefined {
  if (type === 'float') return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  if (type === 'boolean') return value === true ? 1 : value === false ? 0 : undefined;
  if (type === 'integer') {
    const n = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Whether a field of this type can be held (unsigned integers are not). */
export function heldType(type: FieldType): boolean {
  return type !== 'unsigned';
}

function columnBytes(column: RecentColumn, capacity: number): number {
  return COLUMN_BYTES + 8 * capacity;
}

function newColumn(type: FieldType, capacity: number): RecentColumn {
  if (type === 'string') return { type, num: null, str: new Array<string | undefined>(capacity) };
  return { type, num: new Float64Array(capacity).fill(NaN), str: null };
}

/** Thrown inside the store when an entry cannot stay exact; the entry is dropped. */
class Unholdable extends Error {}

export class RecentPointsStore extends EntryStore<RecentEntry> {
  /** `windowNs`: past the byte bound, an entry first gives up its points older than this before its newest. */
  constructor(
    maxBytes: number,
    private readonly windowNs: bigint = BigInt(MAX_REL_NS),
  ) {
    super(maxBytes, (entry) => ({ ...entry, state: 'over-budget', series: new Map(), bytes: ENTRY_BYTES }));
  }

  /** Starts an entry that observes writes (the token for complete()); undefined when one exists or no room is left. */
  begin(db: string, rp: string, measurement: string, cover: { readonly coverFromNs: bigint; readonly baseNs: bigint }, nowMs: number): RecentEntry | undefined {
    const entry: RecentEntry = { state: 'loading', coverFromNs: cover.coverFromNs, baseNs: cover.baseNs, series: new Map(), bytes: ENTRY_BYTES, usedAtMs: nowMs };
    return this.book.add(entryKey(db, rp, measurement), entry) ? entry : undefined;
  }

  /** Records acknowledged points of one write (all of one db and rp) into the entries that exist. */
  observe(db: string, rp: string, points: readonly Point[], write: RecentWrite, accepts: (measurement: string) => boolean): void {
    if (this.book.size === 0) return;
    let lastMeasurement: string | undefined;
    let key = '';
    let entry: RecentEntry | undefined;
    // The parser shares one tags array between the points of a series in a request.
    let byTags: Map<readonly string[], RecentSeries> | undefined;
    for (const point of points) {
      if (point.measurement !== lastMeasurement) {
        lastMeasurement = point.measurement;
        key = entryKey(db, rp, point.measurement);
        entry = this.writableEntry(key, point.measurement, accepts);
        byTags = undefined;
      }
      if (entry === undefined) continue;
      const timeNs = point.timeNs ?? 0n;
      if (timeNs < entry.coverFromNs) continue;
      try {
        byTags ??= new Map();
        let series = byTags.get(point.tags);
        if (series === undefined) byTags.set(point.tags, (series = this.seriesOf(entry, seriesKey(point), point.tags)));
        this.observePoint(entry, series, point, timeNs, write);
      } catch (error) {
        if (!(error instanceof Unholdable)) throw error;
        this.book.drop(key, entry);
        entry = undefined;
        continue;
      }
      if (this.book.bytes > this.maxBytes) this.trimToWindow(entry);
      if (!this.book.fits(key, entry)) entry = undefined;
    }
  }

  private observePoint(entry: RecentEntry, series: RecentSeries, point: Point, timeNs: bigint, write: RecentWrite): void {
    const rel = relTime(entry, timeNs);
    const { row, existed } = this.rowAt(entry, series, rel);
    if (existed && (write.replicated || (series.flags[row]! & 1) !== 0)) throw new Unholdable('equal-time write of unknown order');
    if (write.replicated && entry.state === 'loading') series.flags[row] = 1;
    const { fieldKeys, fieldTypes, fieldValues } = point;
    for (let f = 0; f < fieldKeys.length; f++) this.setValue(entry, series, fieldKeys[f]!, fieldTypes[f]!, row, fieldValues[f]!);
  }

  /** The row index of `rel` in the series, inserting an empty row when there is none. */
  private rowAt(entry: RecentEntry, series: RecentSeries, rel: number): { row: number; existed: boolean } {
    const n = series.length;
    if (n === 0 || series.times[n - 1]! < rel) {
      this.ensureCapacity(entry, series, n + 1);
      series.times[n] = rel;
      series.flags[n] = 0;
      series.length = n + 1;
      return { row: n, existed: false };
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (series.times[mid]! < rel) lo = mid + 1;
      else hi = mid;
    }
    if (series.times[lo] === rel) return { row: lo, existed: true };
    this.ensureCapacity(entry, series, n + 1);
    series.times.copyWithin(lo + 1, lo, n);
    series.flags.copyWithin(lo + 1, lo, n);
    for (const column of series.columns.values()) {
      if (column.num !== null) column.num.copyWithin(lo + 1, lo, n);
      else column.str!.copyWithin(lo + 1, lo, n);
    }
    series.times[lo] = rel;
    series.flags[lo] = 0;
    for (const column of series.columns.values()) {
      if (column.num !== null) column.num[lo] = NaN;
      else column.str![lo] = undefined;
    }
    series.length = n + 1;
    return { row: lo, existed: false };
  }

  private setValue(entry: RecentEntry, series: RecentSeries, field: string, type: FieldType, row: number, value: unknown): void {
    let column = series.columns.get(field);
    if (column === undefined) {
      if (!heldType(type)) throw new Unholdable(`field type ${type} is not held`);
      column = newColumn(type, series.times.length);
      series.columns.set(field, column);
      this.grow(entry, columnBytes(column, series.times.length));
    } else if (column.type !== type) {
      throw new Unholdable('a field changed type');
    }
    if (column.str !== null) {
      const text = String(value);
      const before = column.str[row];
      column.str[row] = text;
      this.grow(entry, 2 * text.length - (before === undefined ? 0 : 2 * before.length));
      return;
    }
    const n = numericValue(type, value);
    if (n === undefined) throw new Unholdable('a value cannot be held exactly');
    column.num![row] = n;
  }

  private seriesOf(entry: RecentEntry, key: string, tags: readonly string[]): RecentSeries {
    let series = entry.series.get(key);
    if (series === undefined) {
      series = { key, tags: tags.slice(), times: new Float64Array(MIN_CAPACITY), flags: new Uint8Array(MIN_CAPACITY), length: 0, columns: new Map() };
      entry.series.set(key, series);
      this.book.grow(entry, seriesBytes(series), 1);
    }
    return series;
  }

  /**
   * Drops the entry's points older than the window before its newest point and raises its cover
   * time to there (a live measurement's entry would otherwise grow until marked over budget).
   */
  private trimToWindow(entry: RecentEntry): void {
    let newest = -Infinity;
    for (const series of entry.series.values()) if (series.length > 0) newest = Math.max(newest, series.times[series.length - 1]!);
    if (newest === -Infinity || this.windowNs >= BigInt(MAX_REL_NS)) return;
    const cutoff = newest - Number(this.windowNs);
    const fromNs = entry.baseNs + BigInt(cutoff);
    if (fromNs <= entry.coverFromNs) return;
    for (const series of [...entry.series.values()]) {
      const cut = lowerBound(series.times, series.length, cutoff);
      if (cut === 0) continue;
      const before = seriesBytes(series);
      const end = series.length;
      series.times = series.times.slice(cut, end);
      series.flags = series.flags.slice(cut, end);
      for (const column of series.columns.values()) {
        if (column.num !== null) column.num = column.num.slice(cut, end);
        else column.str = column.str!.slice(cut, end);
      }
      series.length = end - cut;
      if (series.length === 0) {
        entry.series.delete(series.key);
        this.book.grow(entry, -before, -1);
      } else {
        this.book.grow(entry, seriesBytes(series) - before);
      }
    }
    entry.coverFromNs = fromNs;
  }

  /** Grows the series' arrays to hold `needed` rows: doubling for writes, exactly for a load's slices. */
  private ensureCapacity(entry: RecentEntry, series: RecentSeries, needed: number, exact = false): void {
    const capacity = series.times.length;
    if (needed <= capacity) return;
    const next = exact ? needed : Math.max(needed, capacity * 2);
    const times = new Float64Array(next);
    times.set(series.times.subarray(0, series.length));
    series.times = times;
    const flags = new Uint8Array(next);
    flags.set(series.flags.subarray(0, series.length));
    series.flags = flags;
    let added = 9 * (next - capacity);
    for (const column of series.columns.values()) {
      if (column.num !== null) {
        const values = new Float64Array(next).fill(NaN);
        values.set(column.num.subarray(0, series.length));
        column.num = values;
      } else {
        column.str!.length = next;
      }
      added += 8 * (next - capacity);
    }
    this.grow(entry, added);
  }

  private grow(entry: RecentEntry, bytes: number): void {
    this.book.grow(entry, bytes);
  }

  /**
   * Merges rows read after begin() (one slice of the load; slices come in time order). A row
   * observed meanwhile keeps its fields (its write came later); a replicated one at a read time
   * cannot be ordered, so the entry is dropped. False when the entry was dropped meanwhile, is
   * dropped now, or does not fit (then it is marked over budget).
   */
  mergeStored(db: string, rp: string, measurement: string, token: RecentEntry, stored: Iterable<StoredSeries>): boolean {
    const key = entryKey(db, rp, measurement);
    const entry = this.book.get(key);
    if (entry !== token || entry.state !== 'loading') return false;
    try {
      for (const read of stored) this.mergeRead(entry, read);
    } catch (error) {
      if (!(error instanceof Unholdable)) throw error;
      this.book.drop(key, entry);
      return false;
    }
    return this.book.fits(key, entry);
  }

  /** Every slice was merged: the entry answers from now on. False when it was dropped meanwhile. */
  complete(db: string, rp: string, measurement: string, token: RecentEntry): boolean {
    const entry = this.book.get(entryKey(db, rp, measurement));
    if (entry !== token || entry.state !== 'loading') return false;
    entry.state = 'ready';
    return true;
  }

  private mergeRead(entry: RecentEntry, read: StoredSeries): void {
    const n = read.times.length;
    for (const column of read.columns.values()) if (!heldType(column.type)) throw new Unholdable(`field type ${column.type} is not held`);
    const existing = entry.series.get(read.key);
    if (existing === undefined || existing.length === 0) {
      // Nothing observed for this series yet (the usual case): its arrays are taken as they are.
      if (existing !== undefined) this.dropSeries(entry, existing);
      const series: RecentSeries = { key: read.key, tags: read.tags, times: read.times, flags: new Uint8Array(n), length: n, columns: new Map(read.columns) };
      entry.series.set(read.key, series);
      this.book.grow(entry, seriesBytes(series), 1);
      return;
    }
    const series = existing;
    const observed = series.length;
    this.ensureCapacity(entry, series, observed + n, true);
    // Rows observed meanwhile are few and mostly newest: the read is appended, then merged in place.
    for (let i = 0; i < n; i++) {
      const rel = read.times[i]!;
      const found = indexOf(series.times, observed, rel);
      if (found >= 0 && (series.flags[found]! & 1) !== 0) throw new Unholdable('a replicated write overlaps the read');
      const row = found >= 0 ? found : series.length;
      if (found < 0) {
        series.times[row] = rel;
        series.flags[row] = 0;
        series.length++;
      }
      for (const [field, stored] of read.columns) {
        const value = stored.num !== null ? stored.num[i]! : stored.str![i];
        if (value === undefined || value !== value) continue;
        const column = series.columns.get(field);
        // An observed row's own value of the field came later than the stored one.
        if (found >= 0 && column !== undefined && (column.num !== null ? !Number.isNaN(column.num[row]!) : column.str![row] !== undefined)) continue;
        this.setValue(entry, series, field, stored.type, row, stored.type === 'boolean' ? value === 1 : value);
      }
    }
    if (series.length > observed && !sortedFrom(series, observed - 1)) sortRows(series);
  }

  private dropSeries(entry: RecentEntry, series: RecentSeries): void {
    entry.series.delete(series.key);
    this.book.grow(entry, -seriesBytes(series), -1);
  }
}

/** A time relative to the entry's base; throws when it cannot be held exactly. */
export function relTime(entry: { readonly baseNs: bigint }, timeNs: bigint): number {
  const rel = timeNs - entry.baseNs;
  if (rel >= BigInt(MAX_REL_NS) || rel <= -BigInt(MAX_REL_NS)) throw new Unholdable('a time too far from the entry base');
  return Number(rel);
}

/** First index in the sorted prefix whose time is >= rel. */
export function lowerBound(times: Float64Array, length: number, rel: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < rel) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function indexOf(times: Float64Array, length: number, rel: number): number {
  const at = lowerBound(times, length, rel);
  return at < length && times[at] === rel ? at : -1;
}

function sortedFrom(series: RecentSeries, from: number): boolean {
  for (let i = Math.max(from, 0) + 1; i < series.length; i++) if (!(series.times[i - 1]! < series.times[i]!)) return false;
  return true;
}

/** Restores time order after appended rows (a load merged behind observed rows). */
function sortRows(series: RecentSeries): void {
  const n = series.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => series.times[a]! - series.times[b]!);
  const times = series.times.slice(0, n);
  const flags = series.flags.slice(0, n);
  for (let i = 0; i < n; i++) {
    series.times[i] = times[order[i]!]!;
    series.flags[i] = flags[order[i]!]!;
  }
  for (const column of series.columns.values()) {
    if (column.num !== null) {
      const values = column.num.slice(0, n);
      for (let i = 0; i < n; i++) column.num[i] = values[order[i]!]!;
    } else {
      const values = column.str!.slice(0, n);
      for (let i = 0; i < n; i++) column.str![i] = values[order[i]!];
    }
  }
}
