// Fills the in-memory tag value index from chDB, one measurement at a time in the background,
// so SHOW TAG VALUES without WHERE reads memory once a measurement is loaded.

import type { Logger } from 'pino';
import type { Point } from '../model/point.js';
import type { Catalog } from './catalog.js';
import type { ChdbSession } from '../store/chdb-session.js';
import { qualifiedTable, quoteIdent, tagColumn } from '../store/naming.js';
import { TagValueIndex } from './tag-value-index.js';
import { SerialLoadQueue } from '../serial-load-queue.js';

/** Loads waiting at once; further measurements are loaded by later queries. */
const MAX_QUEUED_LOADS = 32;
/** Values per measurement kept in memory; a larger measurement is always answered by a scan. */
const MAX_VALUES_PER_MEASUREMENT = 100_000;

export interface TagValueLoaderDeps {
  readonly session: ChdbSession;
  /** Makes every acknowledged write visible to chDB (the flush). */
  readonly flush: () => Promise<void>;
  readonly catalog: () => Catalog;
  readonly log: Logger;
}

/** Every (key, value) of the measurement's tag columns, in one scan. */
export function storedTagValuesSql(db: string, rp: string, measurement: string, keys: readonly string[]): string {
  const arrays = keys.map((k) => `groupUniqArray(${quoteIdent(tagColumn(k))})`);
  return `SELECT ${arrays.join(', ')} FROM ${qualifiedTable(db, rp, measurement)}`;
}

export class TagValueLoader {
  private readonly index = new TagValueIndex({ maxValuesPerMeasurement: MAX_VALUES_PER_MEASUREMENT });
  private readonly loads = new SerialLoadQueue(MAX_QUEUED_LOADS);

  constructor(private readonly deps: TagValueLoaderDeps) {}

  /** Call after points are acknowledged (durable in the WAL). */
  observe(db: string, rp: string, points: readonly Point[]): void {
    this.index.observe(db, rp, points);
  }

  /** The keys' values from memory, or undefined (and a load is queued) while not loaded. */
  values(db: string, rp: string, measurement: string, keys: readonly string[]): Array<[string, string]> | undefined {
    const values = this.index.values(db, rp, measurement, keys);
    if (values === undefined) this.queueLoad(db, rp, measurement);
    return values;
  }

  /** The keys' values from memory once loaded (a load is queued and awaited); undefined if it cannot be. */
  async loadedValues(db: string, rp: string, measurement: string, keys: readonly string[]): Promise<Array<[string, string]> | undefined> {
    const values = this.index.values(db, rp, measurement, keys);
    if (values !== undefined) return values;
    await this.queueLoad(db, rp, measurement);
    return this.index.values(db, rp, measurement, keys);
  }

  /** Call once data of these measurements was deleted or dropped. */
  forget(match: (db: string, rp: string, measurement: string) => boolean): void {
    this.index.forget(match);
  }

  /** Waits for queued loads (tests, shutdown). */
  async settled(): Promise<void> {
    await this.loads.settled();
  }

  private queueLoad(db: string, rp: string, measurement: string): Promise<void> | undefined {
    return this.loads.enqueue(`${db}\u0000${rp}\u0000${measurement}`, () => {
      const token = this.index.begin(db, rp, measurement);
      if (token === undefined) return undefined;
      return {
        run: () => this.load(db, rp, measurement, token),
        failed: (error: unknown) => {
          this.index.abandon(db, rp, measurement, token);
          this.deps.log.warn({ err: error, db, rp, measurement }, 'loading tag values failed; SHOW TAG VALUES scans the table');
        },
      };
    });
  }

  private async load(db: string, rp: string, measurement: string, token: object): Promise<void> {
    // The entry observes writes from begin() on; the flush stores everything acknowledged before.
    await this.deps.flush();
    const keys = this.deps.catalog().measurementState(db, rp, measurement)?.tagKeys ?? [];
    if (keys.length === 0) {
      this.index.complete(db, rp, measurement, token, []);
      return;
    }
    const result = await this.deps.session.query(storedTagValuesSql(db, rp, measurement, keys));
    const row = result.rows[0] ?? [];
    const stored: Array<[string, string]> = [];
    keys.forEach((key, i) => {
      for (const value of (row[i] as unknown[] | undefined) ?? []) stored.push([key, String(value)]);
    });
    this.index.complete(db, rp, measurement, token, stored);
  }
}
