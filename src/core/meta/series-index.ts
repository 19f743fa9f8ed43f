// Counts series per database and values per tag key, as 53-bit hashes, so a write can be held to
// InfluxDB's max-series-per-database and max-values-per-tag. Pure bookkeeping: the engine feeds
// it what chDB stores and what the WAL accepts; it never reads storage itself.

import type { Point } from '../model/point.js';

export interface SeriesLimits {
  readonly maxSeriesPerDatabase: number;
  readonly maxValuesPerTag: number;
}

export const defaultSeriesLimits: SeriesLimits = { maxSeriesPerDatabase: 1_000_000, maxValuesPerTag: 100_000 };

export interface SeriesAdmission {
  readonly accepted: Point[];
  readonly dropped: number;
  readonly firstReason: string | null;
  /** Forgets the series and tag values this admission added (the write did not happen after all). */
  release(): void;
}

interface MeasurementSeries {
  readonly series: Set<number>;
  /** tag key → hashes of its values */
  readonly tagValues: Map<string, Set<number>>;
}

interface DatabaseSeries {
  /** `${rp}\0${measurement}` → its series */
  readonly measurements: Map<string, MeasurementSeries>;
  count: number;
  /** Still being loaded from storage: limits are not enforced until it is complete. */
  loading: boolean;
}

/** A 53-bit string hash (two 32-bit multiply-xor lanes); collisions among a million keys are ~1e-4 likely. */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Identity of a series: measurement and its sorted tags, separated by a byte that names cannot hold unescaped. */
function seriesHash(measurement: string, tags: readonly string[]): number {
  return hash53(tags.length === 0 ? measurement : measurement + '\u0000' + tags.join('\u0000'));
}

export class SeriesIndex {
  private readonly databases = new Map<string, DatabaseSeries>();

  /**
   * Admits the points whose series exist or fit the limits, and records the new series and tag
   * values at once (so concurrent writes see each other). Points of a database still loading are
   * all admitted.
   */
  admit(db: string, rp: string, points: readonly Point[], limits: SeriesLimits): SeriesAdmission {
    const database = this.database(db);
    const accepted: Point[] = [];
    const addedSeries: Array<[MeasurementSeries, number]> = [];
    const addedValues: Array<[Set<number>, number]> = [];
    let dropped = 0;
    let firstReason: string | null = null;
    let lastTags: readonly string[] | null = null;
    let lastMeasurement = '';
    let lastOk = false;
    for (const point of points) {
      if (point.tags === lastTags && point.measurement === lastMeasurement) {
        if (lastOk) accepted.push(point);
        else dropped++;
        continue;
      }
      lastTags = point.tags;
      lastMeasurement = point.measurement;
      const measurement = this.measurement(database, rp, point.measurement);
      const hash = seriesHash(point.measurement, point.tags);
      const reason = measurement.series.has(hash) ? null : this.addSeries(database, measurement, point, hash, limits, addedSeries, addedValues);
      lastOk = reason === null;
      if (lastOk) accepted.push(point);
      else {
        dropped++;
        firstReason ??= reason;
      }
    }
    return {
      accepted,
      dropped,
      firstReason,
      release: () => {
        for (const [measurement, hash] of addedSeries) if (measurement.series.delete(hash)) database.count--;
        for (const [values, hash] of addedValues) values.delete(hash);
      },
    };
  }

  /** Records series without limits: replicated writes, and what storage already holds. */
  observe(db: string, rp: string, points: readonly Point[]): void {
    const database = this.database(db);
    let lastTags: readonly string[] | null = null;
    for (const point of points) {
      if (point.tags === lastTags) continue;
      lastTags = point.tags;
      const measurement = this.measurement(database, rp, point.measurement);
      const hash = seriesHash(point.measurement, point.tags);
      if (measurement.series.has(hash)) continue;
      measurement.series.add(hash);
      database.count++;
      for (let i = 0; i < point.tags.length; i += 2) tagValueSet(measurement, point.tags[i]!).add(hash53(point.tags[i + 1]!));
    }
  }

  /** Marks a database as being loaded (limits off) or loaded (limits on). */
  setLoading(db: string, loading: boolean): void {
    this.database(db).loading = loading;
  }

  seriesCount(db: string): number {
    return this.databases.get(db)?.count ?? 0;
  }

  totalSeries(): number {
    let total = 0;
    for (const database of this.databases.values()) total += database.count;
    return total;
  }

  /** Forgets series of matching measurements (after drops and deletes); whole databases when `rp` and `measurement` are absent. */
  forget(db: string, rp?: string, measurement?: string): void {
    const database = this.databases.get(db);
    if (!database) return;
    if (rp === undefined && measurement === undefined) {
      this.databases.delete(db);
      return;
    }
    for (const [key, series] of [...database.measurements]) {
      const [keyRp, keyName] = key.split('\u0000', 2) as [string, string];
      if ((rp === undefined || keyRp === rp) && (measurement === undefined || keyName === measurement)) {
        database.count -= series.series.size;
        database.measurements.delete(key);
      }
    }
  }

  private addSeries(
    database: DatabaseSeries,
    measurement: MeasurementSeries,
    point: Point,
    hash: number,
    limits: SeriesLimits,
    addedSeries: Array<[MeasurementSeries, number]>,
    addedValues: Array<[Set<number>, number]>,
  ): string | null {
    if (!database.loading) {
      if (database.count >= limits.maxSeriesPerDatabase) return `max-series-per-database limit exceeded: (${limits.maxSeriesPerDatabase})`;
      for (let i = 0; i < point.tags.length; i += 2) {
        const values = measurement.tagValues.get(point.tags[i]!);
        const size = values?.size ?? 0;
        if (size >= limits.maxValuesPerTag && !values!.has(hash53(point.tags[i + 1]!))) {
          return `max-values-per-tag limit exceeded (${size}/${limits.maxValuesPerTag}): measurement=${JSON.stringify(point.measurement)} tag=${JSON.stringify(point.tags[i])} value=${JSON.stringify(point.tags[i + 1])}`;
        }
      }
    }
    measurement.series.add(hash);
    database.count++;
    addedSeries.push([measurement, hash]);
    for (let i = 0; i < point.tags.length; i += 2) {
      const values = tagValueSet(measurement, point.tags[i]!);
      const valueHash = hash53(point.tags[i + 1]!);
      if (values.has(valueHash)) continue;
      values.add(valueHash);
      addedValues.push([values, valueHash]);
    }
    return null;
  }

  private database(db: string): DatabaseSeries {
    let database = this.databases.get(db);
    if (!database) this.databases.set(db, (database = { measurements: new Map(), count: 0, loading: false }));
    return database;
  }

  private measurement(database: DatabaseSeries, rp: string, name: string): MeasurementSeries {
    const key = `${rp}\u0000${name}`;
    let measurement = database.measurements.get(key);
    if (!measurement) database.measurements.set(key, (measurement = { series: new Set(), tagValues: new Map() }));
    return measurement;
  }
}

function tagValueSet(measurement: MeasurementSeries, key: string): Set<number> {
  let values = measurement.tagValues.get(key);
  if (!values) measurement.tagValues.set(key, (values = new Set()));
  return values;
}
