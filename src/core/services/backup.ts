// Online backup: one consistent point of a serving node, copied into an empty directory. While no
// flush runs (the flush's exclusive section) it takes a LevelDB snapshot of the WAL, the catalog
// and a FREEZE of every chDB table; everything acknowledged before the backup started is either
// flushed (in the frozen parts) or in the WAL snapshot, and each WAL entry is whole. The files are
// copied afterwards while writes go on. Never changes the source's data.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, symlink, writeFile, lstat } from 'node:fs/promises';
import { createReadStream, createWriteStream } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { Catalog } from '../meta/catalog.js';
import { CatalogStore } from '../meta/catalog-store.js';
import { forgetDatabasePrivileges } from '../meta/users.js';
import type { WalStoreSnapshot } from '../wal/level-wal.js';
import { WalEntryCodec } from '../wal/entry-codec.js';
import { CLEAN_CLOSE_KEY, ENTRY_KEY_BYTES, INCARNATION_KEY, seqOfEntryKey } from '../wal/wal-keys.js';
import type { FrozenChdb } from '../store/chdb-freeze.js';
import { chDatabasePrefix } from '../store/naming.js';
import { BACKUP_FORMAT_VERSION, BackupError, MANIFEST_FILE, hashFile, type BackupFileEntry, type BackupManifest, type TransferProgress } from './backup-manifest.js';

/** What a backup reads from the running engine. */
export interface BackupSource {
  readonly dirs: { readonly wal: string; readonly meta: string; readonly chdb: string };
  flush(): Promise<void>;
  /** Runs `fn` while no flush runs (and no drop or delete is applied). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  walSnapshot(): WalStoreSnapshot;
  catalog(): { readonly catalog: Catalog; readonly sidecar: Buffer | undefined };
  freeze(name: string, databasePrefix: string): Promise<FrozenChdb>;
  unfreeze(name: string): Promise<void>;
  nowMs(): number;
}

export interface BackupRequest {
  readonly outputDir: string;
  /** Back up this database only. */
  readonly database?: string;
}

const WAL_COPY_CHUNK = 1024;
const ENTRY_PREFIX = 0x65;
const ORIGIN_INDEX_PREFIX = 0x78;
const HOLD_PREFIX = 0x68;

/** Writes a backup of `source` into `request.outputDir` (which must be empty or absent). */
export async function writeBackup(source: BackupSource, request: BackupRequest, onProgress: (progress: TransferProgress) => void = () => undefined): Promise<BackupManifest> {
  const out = request.outputDir;
  const entries = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new BackupError(`backup: cannot read ${out}: ${error.message}`);
  });
  if (entries.length > 0) throw new BackupError(`backup: output directory ${out} is not empty; back up into a new or empty directory`);
  const { database } = request;
  if (database !== undefined && source.catalog().catalog.database(database) === undefined) throw new BackupError(`backup: database not found: ${database}`);
  await mkdir(out, { recursive: true });
  // ClickHouse escapes anything but [A-Za-z0-9_] in the shadow directory name.
  const name = `hyperbytedb_backup_${source.nowMs()}_${randomBytes(4).toString('hex')}`;
  let frozen = false;
  try {
    onProgress({ phase: 'snapshot', files: 0, totalFiles: 0, bytes: 0, totalBytes: 0 });
    // Acknowledged writes go to chDB first, so the WAL part of the copy stays small.
    await source.flush().catch(() => undefined);
    const point = await source.exclusive(async () => {
      const wal = source.walSnapshot();
      const { catalog, sidecar } = source.catalog();
      frozen = true;
      const chdb = await source.freeze(name, database === undefined ? 'hb_' : chDatabasePrefix(database));
      return { wal, catalog, sidecar, chdb, timestampMs: source.nowMs() };
    });
    const totalBytes = point.chdb.files.reduce((sum, f) => sum + f.bytes, 0);
    const progress = { phase: 'copy' as const, files: 0, totalFiles: point.chdb.files.length + point.chdb.contents.length, bytes: 0, totalBytes };
    onProgress({ ...progress });
    const files: BackupFileEntry[] = [];
    for (const content of point.chdb.contents) {
      const path = join(out, 'data', content.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content.data);
      files.push({ path: portable(join('data', content.path)), bytes: content.data.length, sha256: createHash('sha256').update(content.data).digest('hex') });
      progress.files++;
    }
    for (const link of point.chdb.symlinks) {
      await mkdir(dirname(join(out, 'data', link.path)), { recursive: true });
      await symlink(link.target, join(out, 'data', link.path));
    }
    for (const file of point.chdb.files) {
      files.push(await copyHashed(file.source, out, portable(join('data', file.path)), (n) => {
        progress.bytes += n;
        onProgress({ ...progress });
      }));
      progress.files++;
    }
    await source.unfreeze(name);
    frozen = false;
    await copyWal(point.wal, join(out, 'wal'), database);
    await writeCatalog(join(out, 'meta'), point.catalog, point.sidecar, database);
    for (const dir of ['wal', 'meta']) {
      for (const path of await filesIn(join(out, dir))) {
        const hashed = await hashFile(path);
        files.push({ path: portable(relative(out, path)), ...hashed });
      }
    }
    const manifest: BackupManifest = {
      format_version: BACKUP_FORMAT_VERSION,
      timestamp: new Date(point.timestampMs).toISOString(),
      database: database ?? null,
      wal_last_seq: point.wal.lastSeq,
      wal_flushed_seq: point.wal.flushedSeq,
      origin_watermarks: Object.fromEntries(point.wal.originWatermarks),
      catalog_index: point.catalog.index,
      engine_data_paths: { wal_dir: source.dirs.wal, meta_dir: source.dirs.meta, chdb_dir: source.dirs.chdb },
      files,
      symlinks: point.chdb.symlinks.map((l) => ({ path: portable(join('data', l.path)), target: l.target })),
      total_bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    };
    // Written last and renamed into place: a directory without it is not a backup.
    await writeFile(join(out, `${MANIFEST_FILE}.tmp`), JSON.stringify(manifest, null, 2) + '\n');
    await rename(join(out, `${MANIFEST_FILE}.tmp`), join(out, MANIFEST_FILE));
    onProgress({ phase: 'done', files: files.length, totalFiles: files.length, bytes: manifest.total_bytes, totalBytes: manifest.total_bytes });
    return manifest;
  } catch (error) {
    if (frozen) await source.unfreeze(name).catch(() => undefined);
    // Nothing half-written is left for a restore to trip over.
    for (const entry of await readdir(out).catch(() => [] as string[])) await rm(join(out, entry), { recursive: true, force: true });
    throw error;
  }
}

function portable(path: string): string {
  return path.split(sep).join('/');
}

async function copyHashed(source: string, out: string, path: string, onBytes: (n: number) => void): Promise<BackupFileEntry> {
  const target = join(out, path);
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new PassThrough();
  tap.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    onBytes(chunk.length);
  });
  await pipeline(createReadStream(source), tap, createWriteStream(target));
  return { path, bytes, sha256: hash.digest('hex') };
}

/**
 * The WAL snapshot as a LevelDB of its own. Left out: the incarnation (a restored node writes
 * under a new origin, so peers never confuse its new writes with the ones they hold), the
 * clean-close marker and the peers' holds. One database: only its entries not yet flushed, and
 * no (origin, seq) index, so peers copy what they miss instead of reading holes.
 */
async function copyWal(snapshot: WalStoreSnapshot, dir: string, database: string | undefined): Promise<void> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const codec = new WalEntryCodec();
  try {
    for (;;) {
      const pairs = await snapshot.next(WAL_COPY_CHUNK);
      if (pairs.length === 0) break;
      const ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
      for (const [key, value] of pairs) {
        if (key.equals(INCARNATION_KEY) || key.equals(CLEAN_CLOSE_KEY) || key[0] === HOLD_PREFIX) continue;
        if (database !== undefined) {
          if (key[0] === ORIGIN_INDEX_PREFIX) continue;
          if (key[0] === ENTRY_PREFIX && key.length === ENTRY_KEY_BYTES) {
            const seq = seqOfEntryKey(key);
            if (seq <= snapshot.flushedSeq || codec.decode(key, value, seq).db !== database) continue;
          }
        }
        ops.push({ type: 'put', key, value });
      }
      if (ops.length > 0) await db.batch(ops);
    }
  } finally {
    await snapshot.close();
    await db.close();
  }
}

async function writeCatalog(dir: string, catalog: Catalog, sidecar: Buffer | undefined, database: string | undefined): Promise<void> {
  const store = new CatalogStore(dir);
  await store.open();
  try {
    if (database === undefined) {
      await store.persist(catalog, sidecar);
      return;
    }
    const state = catalog.databases.get(database)!;
    // Users stay (with auth on, a restore must not lock the administrators out); grants on the
    // databases left out go, as when those databases are dropped.
    let users = catalog.users;
    for (const other of catalog.databases.keys()) if (other !== database) users = forgetDatabasePrivileges(users, other);
    await store.persist(new Catalog(new Map([[database, state]]), catalog.index, catalog.deletes.filter((d) => d.db === database), users));
  } finally {
    await store.close();
  }
}

/** Regular files below `dir`, recursively. */
export async function filesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, entry);
    const info = await lstat(path);
    if (info.isDirectory()) out.push(...(await filesIn(path)));
    else if (info.isFile()) out.push(path);
  }
  return out;
}
