// Fills the series index from what chDB stores: at start for every table (limits wait until a
// database is loaded), and again for a measurement whose series were dropped. One load at a time.

import type { Logger } from 'pino';
import type { Point } from '../model/point.js';
import type { Catalog } from './catalog.js';
import type { SeriesIndex } from './series-index.js';
import type { ChdbSession } from '../store/chdb-session.js';
import { qualifiedTable, quoteIdent, tagColumn } from '../store/naming.js';

export interface SeriesLoaderDeps {
  readonly session: ChdbSession;
  readonly series: SeriesIndex;
  readonly catalog: () => Catalog;
  readonly log: Logger;
}

/** Rows of distinct tag sets fetched per query, so a load never holds a huge answer at once. */
const PAGE_ROWS = 100_000;

export class SeriesLoader {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: SeriesLoaderDeps) {}

  /** Loads every table in the background; each database enforces its limits once it is loaded. */
  loadAll(): void {
    const catalog = this.deps.catalog();
    for (const name of catalog.databaseNames()) this.deps.series.setLoading(name, true);
    for (const name of catalog.databaseNames()) {
      this.enqueue(async () => {
        try {
          const db = this.deps.catalog().database(name);
          for (const rp of db?.retentionPolicies ?? []) {
            for (const measurement of db!.measurements(rp.name)) await this.load(name, rp.name, measurement.name);
          }
        } finally {
          this.deps.series.setLoading(name, false);
        }
      });
    }
  }

  reload(db: string, rp: string, measurement: string): void {
    this.enqueue(() => this.load(db, rp, measurement));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await task();
      } catch (error) {
        this.deps.log.warn({ err: error }, 'loading series into the series index failed; cardinality limits count only new series');
      }
    });
  }

  private async load(db: string, rp: string, measurement: string): Promise<void> {
    const keys = this.deps.catalog().measurementState(db, rp, measurement)?.tagKeys ?? [];
    const columns = keys.length === 0 ? ['1'] : keys.map((k) => quoteIdent(tagColumn(k)));
    for (let offset = 0; !this.stopped; offset += PAGE_ROWS) {
      let result;
      try {
        result = await this.deps.session.query(`SELECT DISTINCT ${columns.join(', ')} FROM ${qualifiedTable(db, rp, measurement)} ORDER BY ${columns.join(', ')} LIMIT ${PAGE_ROWS} OFFSET ${offset}`);
      } catch (error) {
        if (/UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(String(error))) return; // not flushed yet
        throw error;
      }
      const points: Point[] = result.rows.map((row) => {
        const tags: string[] = [];
        keys.forEach((key, i) => {
          const value = row[i];
          if (typeof value === 'string' && value !== '') tags.push(key, value);
        });
        return { measurement, tags, fieldKeys: [], fieldTypes: [], fieldValues: [], timeNs: null };
      });
      this.deps.series.observe(db, rp, points);
      if (result.rows.length < PAGE_ROWS) return;
    }
  }
}
