// Persists the catalog in LevelDB (classic-level) and keeps the current value in memory.
// Every mutation is written (synced) before the new catalog becomes visible; it never touches chDB.

import { ClassicLevel } from 'classic-level';
import { Packr } from 'msgpackr';
import { Catalog, type DatabaseState, type MeasurementState } from './catalog.js';
import type { CatalogCommand } from './commands.js';
import type { FieldType } from '../model/point.js';
import type { RetentionPolicyInfo } from './schema-view.js';

const CATALOG_KEY = 'catalog/v1';
const packr = new Packr({ useRecords: false, moreTypes: true });

interface StoredDatabase {
  name: string;
  defaultRetentionPolicy: string;
  rps: RetentionPolicyInfo[];
  measurements: Array<{ rp: string; name: string; tagKeys: string[]; fields: Array<[string, FieldType]> }>;
}

export function encodeCatalog(catalog: Catalog): Buffer {
  const stored: StoredDatabase[] = [];
  for (const db of catalog.databases.values()) {
    const measurements: StoredDatabase['measurements'] = [];
    for (const [rp, byName] of db.measurementsByRp) {
      for (const m of byName.values()) {
        measurements.push({ rp, name: m.name, tagKeys: [...m.tagKeys], fields: [...m.fieldTypes] });
      }
    }
    stored.push({ name: db.name, defaultRetentionPolicy: db.defaultRetentionPolicy, rps: [...db.rps.values()], measurements });
  }
  return packr.pack(stored);
}

export function decodeCatalog(bytes: Buffer): Catalog {
  const stored = packr.unpack(bytes) as StoredDatabase[];
  const databases = new Map<string, DatabaseState>();
  for (const db of stored) {
    const measurementsByRp = new Map<string, Map<string, MeasurementState>>();
    for (const m of db.measurements) {
      let byName = measurementsByRp.get(m.rp);
      if (!byName) measurementsByRp.set(m.rp, (byName = new Map()));
      byName.set(m.name, { name: m.name, tagKeys: m.tagKeys, fieldTypes: new Map(m.fields) });
    }
    const rps = new Map(db.rps.map((rp) => [rp.name, { ...rp, durationNs: BigInt(rp.durationNs), shardGroupDurationNs: BigInt(rp.shardGroupDurationNs) }]));
    databases.set(db.name, { name: db.name, defaultRetentionPolicy: db.defaultRetentionPolicy, rps, measurementsByRp });
  }
  return new Catalog(databases);
}

export class CatalogStore {
  private db: ClassicLevel<string, Buffer> | null = null;
  private current = Catalog.empty();
  /** Serializes mutations so each one persists on top of the previous. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly dir: string) {}

  async open(): Promise<void> {
    if (this.db) return;
    const db = new ClassicLevel<string, Buffer>(this.dir, { valueEncoding: 'buffer' });
    await db.open();
    this.db = db;
    const bytes = await db.get(CATALOG_KEY);
    this.current = bytes ? decodeCatalog(bytes) : Catalog.empty();
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    this.db = null;
    await this.tail.catch(() => undefined);
    await db.close();
  }

  get catalog(): Catalog {
    return this.current;
  }

  /** Applies commands in order, persists the result, then publishes it. */
  apply(commands: readonly CatalogCommand[]): Promise<Catalog> {
    const run = this.tail.then(async () => {
      const db = this.db;
      if (!db) throw new Error('catalog store is closed');
      let next = this.current;
      for (const command of commands) next = next.apply(command);
      if (next === this.current) return next;
      await db.put(CATALOG_KEY, encodeCatalog(next), { sync: true });
      this.current = next;
      return next;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }
}
