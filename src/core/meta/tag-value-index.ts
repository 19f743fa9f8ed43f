// In-memory tag values per measurement, so SHOW TAG VALUES without a WHERE clause is answered
// without scanning the table. Pure bookkeeping: loading from storage is the engine's job.
//
// A measurement's entry is created empty and starts observing writes *before* the engine flushes
// and reads the stored values, so every value is either stored by then or observed after; it
// answers once that read has been merged. Deletes drop entries (they are loaded again later),
// and an entry holding too many values gives up (queries scan the table as before).

import type { Point } from '../model/point.js';

interface Entry {
  state: 'loading' | 'ready' | 'overflow';
  /** tag key → values */
  readonly values: Map<string, Set<string>>;
  /** tag key → its values sorted, kept until a new value arrives */
  readonly sorted: Map<string, readonly string[]>;
  size: number;
}

export interface TagValueIndexOptions {
  /** Values (over all keys) an entry may hold; beyond it the measurement is not indexed. */
  readonly maxValuesPerMeasurement: number;
}

function keyOf(db: string, rp: string, measurement: string): string {
  return `${db}\u0000${rp}\u0000${measurement}`;
}

/** UTF-8 byte order, which is how ClickHouse (and InfluxDB) sort strings. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * UTF-16 code units ranked in code point (hence UTF-8 byte) order: surrogates, which encode code
 * points above U+FFFF, rank above U+E000–U+FFFF. At the first differing unit of two strings this
 * decides their order.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}

export class TagValueIndex {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: TagValueIndexOptions) {}

  /** Records the tags of acknowledged points of measurements being loaded or ready. */
  observe(db: string, rp: string, points: readonly Point[]): void {
    if (this.entries.size === 0) return;
    let lastTags: readonly string[] | null = null;
    let lastMeasurement = '';
    let entry: Entry | undefined;
    for (const point of points) {
      if (point.measurement !== lastMeasurement) {
        lastMeasurement = point.measurement;
        lastTags = null;
        entry = this.entries.get(keyOf(db, rp, point.measurement));
      }
      // The parser shares one tags array between the points of a series.
      if (entry === undefined || entry.state === 'overflow' || point.tags === lastTags) continue;
      lastTags = point.tags;
      for (let i = 0; i < point.tags.length; i += 2) this.add(entry, point.tags[i]!, point.tags[i + 1]!);
    }
  }

  private add(entry: Entry, key: string, value: string): void {
    if (value === '' || entry.state === 'overflow') return;
    let values = entry.values.get(key);
    if (values === undefined) entry.values.set(key, (values = new Set()));
    if (values.has(value)) return;
    values.add(value);
    entry.sorted.delete(key);
    if (++entry.size > this.options.maxValuesPerMeasurement) {
      entry.state = 'overflow';
      entry.values.clear();
      entry.sorted.clear();
    }
  }

  /**
   * Starts indexing a measurement; returns a token for complete(), or undefined when it is
   * already indexed, loading, or known to be too large.
   */
  begin(db: string, rp: string, measurement: string): object | undefined {
    const key = keyOf(db, rp, measurement);
    if (this.entries.has(key)) return undefined;
    const entry: Entry = { state: 'loading', values: new Map(), sorted: new Map(), size: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  /** Merges the stored values read after begin(); ignored if the entry was dropped meanwhile. */
  complete(db: string, rp: string, measurement: string, token: object, stored: ReadonlyArray<readonly [string, string]>): void {
    const entry = this.entries.get(keyOf(db, rp, measurement));
    if (entry !== token || entry.state !== 'loading') return;
    for (const [key, value] of stored) this.add(entry, key, value);
    if (entry.state === 'loading') entry.state = 'ready';
  }

  /** The load failed: forget the entry so a later query tries again. */
  abandon(db: string, rp: string, measurement: string, token: object): void {
    const key = keyOf(db, rp, measurement);
    if (this.entries.get(key) === token) this.entries.delete(key);
  }

  /** Values of the given keys, in key order then UTF-8 byte order; undefined unless the entry is ready. */
  values(db: string, rp: string, measurement: string, keys: readonly string[]): Array<[string, string]> | undefined {
    const entry = this.entries.get(keyOf(db, rp, measurement));
    if (entry?.state !== 'ready') return undefined;
    const out: Array<[string, string]> = [];
    for (const key of keys) {
      let values = entry.sorted.get(key);
      if (values === undefined) entry.sorted.set(key, (values = [...(entry.values.get(key) ?? [])].sort(compareUtf8)));
      for (const value of values) out.push([key, value]);
    }
    return out;
  }

  /** Drops entries of measurements whose data was deleted or dropped. */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    for (const key of [...this.entries.keys()]) {
      const [db = '', rp = '', measurement = ''] = key.split('\u0000');
      if (match(db, rp, measurement)) this.entries.delete(key);
    }
  }
}
