// Persists the catalog (users and their password hashes included) and its applied index in LevelDB (classic-level), with an optional opaque
// sidecar (the cluster's membership) in the same synced write. Keeps the current value in memory;
// it never decides what changes (catalog-applier.ts does) and never touches chDB.

import { ClassicLevel } from 'classic-level';
import { Packr } from 'msgpackr';
import { assert } from '../errors.js';
import { Catalog, type DatabaseState, type DeleteRecord, type MeasurementState } from './catalog.js';
import type { FieldType } from '../model/point.js';
import type { RetentionPolicyInfo } from './schema-view.js';
import { isPrivilegeBits, type PrivilegeBits, type UserInfo } from './users.js';

const CATALOG_KEY = 'catalog/v2';
const SIDECAR_KEY = 'sidecar/v1';
const LEGACY_KEY = 'catalog/v1';
const packr = new Packr({ useRecords: false, moreTypes: true });

interface StoredDatabase {
  name: string;
  defaultRetentionPolicy: string;
  rps: RetentionPolicyInfo[];
  measurements: Array<{ rp: string; name: string; tagKeys: string[]; fields: Array<[string, FieldType]>; createdAtIndex: number }>;
  /** Absent in catalogs stored before continuous queries existed. */
  continuousQueries?: Array<{ name: string; query: string; lastRunNs: bigint | null }>;
}

interface StoredUser {
  name: string;
  admin: boolean;
  hash: string;
  /** [database, privilege bits] in grant order. */
  privileges: Array<[string, number]>;
}

/** `users` joined format v2 later: a catalog stored before it has none, and reads as no users. */
interface StoredCatalog {
  index: number;
  databases: StoredDatabase[];
  deletes: DeleteRecord[];
  users?: StoredUser[];
}

export function encodeCatalog(catalog: Catalog): Buffer {
  const databases: StoredDatabase[] = [];
  for (const db of catalog.databases.values()) {
    const measurements: StoredDatabase['measurements'] = [];
    for (const [rp, byName] of db.measurementsByRp) {
      for (const m of byName.values()) {
        measurements.push({ rp, name: m.name, tagKeys: [...m.tagKeys], fields: [...m.fieldTypes], createdAtIndex: m.createdAtIndex });
      }
    }
    const continuousQueries = [...(db.continuousQueries?.values() ?? [])].map((cq) => ({ ...cq }));
    databases.push({ name: db.name, defaultRetentionPolicy: db.defaultRetentionPolicy, rps: [...db.rps.values()], measurements, ...(continuousQueries.length > 0 ? { continuousQueries } : {}) });
  }
  const users: StoredUser[] = catalog.userList().map((u) => ({ name: u.name, admin: u.admin, hash: u.hash, privileges: [...u.privileges] }));
  return packr.pack({ index: catalog.index, databases, deletes: [...catalog.deletes], users } satisfies StoredCatalog);
}

export function decodeCatalog(bytes: Buffer): Catalog {
  const stored = packr.unpack(bytes) as StoredCatalog;
  assert(typeof stored === 'object' && stored !== null && Number.isSafeInteger(stored.index) && Array.isArray(stored.databases), 'catalog: stored value is not a catalog');
  const databases = new Map<string, DatabaseState>();
  for (const db of stored.databases) {
    const measurementsByRp = new Map<string, Map<string, MeasurementState>>();
    for (const m of db.measurements) {
      let byName = measurementsByRp.get(m.rp);
      if (!byName) measurementsByRp.set(m.rp, (byName = new Map()));
      byName.set(m.name, { name: m.name, tagKeys: m.tagKeys, fieldTypes: new Map(m.fields), createdAtIndex: m.createdAtIndex });
    }
    const rps = new Map(db.rps.map((rp) => [rp.name, { ...rp, durationNs: BigInt(rp.durationNs), shardGroupDurationNs: BigInt(rp.shardGroupDurationNs) }]));
    const continuousQueries = new Map((db.continuousQueries ?? []).map((cq) => [cq.name, { name: cq.name, query: cq.query, lastRunNs: cq.lastRunNs === null || cq.lastRunNs === undefined ? null : BigInt(cq.lastRunNs) }]));
    databases.set(db.name, { name: db.name, defaultRetentionPolicy: db.defaultRetentionPolicy, rps, measurementsByRp, ...(continuousQueries.size > 0 ? { continuousQueries } : {}) });
  }
  const users = new Map<string, UserInfo>();
  for (const u of stored.users ?? []) {
    assert(typeof u.name === 'string' && typeof u.hash === 'string' && Array.isArray(u.privileges), 'catalog: stored user is malformed');
    const privileges = new Map<string, PrivilegeBits>();
    for (const [db, bits] of u.privileges) {
      assert(isPrivilegeBits(bits), `catalog: stored privilege of ${u.name} on ${db} is not a privilege`);
      privileges.set(db, bits);
    }
    users.set(u.name, { name: u.name, admin: u.admin === true, hash: u.hash, privileges });
  }
  return new Catalog(databases, stored.index, stored.deletes ?? [], users);
}

export class CatalogStore {
  private db: ClassicLevel<string, Buffer> | null = null;
  private current = Catalog.empty();
  private currentSidecar: Buffer | undefined;

  constructor(private readonly dir: string) {}

  async open(): Promise<void> {
    if (this.db) return;
    const db = new ClassicLevel<string, Buffer>(this.dir, { valueEncoding: 'buffer' });
    await db.open();
    if ((await db.get(LEGACY_KEY)) !== undefined && (await db.get(CATALOG_KEY)) === undefined) {
      await db.close();
      throw new Error(`catalog: ${this.dir} holds a catalog of an older format; move the data directory aside`);
    }
    this.db = db;
    const bytes = await db.get(CATALOG_KEY);
    this.current = bytes ? decodeCatalog(bytes) : Catalog.empty();
    this.currentSidecar = await db.get(SIDECAR_KEY);
  }

  async close(): Promise<void> {
    const db = this.db;
    if (!db) return;
    this.db = null;
    await db.close();
  }

  get catalog(): Catalog {
    return this.current;
  }

  get sidecar(): Buffer | undefined {
    return this.currentSidecar;
  }

  /** Writes the catalog (and the sidecar, when given) in one synced batch, then makes it current. */
  async persist(next: Catalog, sidecar?: Buffer): Promise<void> {
    const db = this.db;
    if (!db) throw new Error('catalog store is closed');
    assert(next.index >= this.current.index, `catalog: index must not go back (${this.current.index} -> ${next.index})`);
    const ops: Array<{ type: 'put'; key: string; value: Buffer }> = [{ type: 'put', key: CATALOG_KEY, value: encodeCatalog(next) }];
    if (sidecar !== undefined) ops.push({ type: 'put', key: SIDECAR_KEY, value: sidecar });
    await db.batch(ops, { sync: true });
    this.current = next;
    if (sidecar !== undefined) this.currentSidecar = sidecar;
  }
}
