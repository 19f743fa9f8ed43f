// Restore's checks without a server: every file against the manifest (missing, truncated,
// changed), paths that could leave the backup, a LevelDB held by another process, and the swap
// that happens only after everything checked out.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { BACKUP_FORMAT_VERSION, hashFile, parseManifest, type BackupManifest } from '../../../src/core/services/backup-manifest.js';
import { assertNotServing, databasesLostByRestore, restoreBackup, verifyBackup } from '../../../src/core/services/restore.js';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { CatalogStore } from '../../../src/core/meta/catalog-store.js';

const root = mkdtempSync(join(tmpdir(), 'hb-restore-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function makeBackup(database: string | null = null): Promise<string> {
  const dir = join(root, `backup-${n++}`);
  const contents: Record<string, string> = { 'wal/CURRENT': 'wal', 'meta/CURRENT': 'meta', 'data/metadata/hb_x.sql': 'ATTACH DATABASE _', 'data/store/abc/part/data.bin': 'x'.repeat(1000) };
  const files = [];
  for (const [path, text] of Object.entries(contents)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
    files.push({ path, ...(await hashFile(join(dir, path))) });
  }
  const manifest: BackupManifest = {
    format_version: BACKUP_FORMAT_VERSION,
    timestamp: new Date(0).toISOString(),
    database,
    wal_last_seq: 1,
    wal_flushed_seq: 1,
    origin_watermarks: {},
    catalog_index: 1,
    engine_data_paths: { wal_dir: '/w', meta_dir: '/m', chdb_dir: '/c' },
    files,
    symlinks: [{ path: 'data/metadata/hb_x', target: '../store/abc' }],
    total_bytes: files.reduce((s, f) => s + f.bytes, 0),
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

async function target() {
  const dataDir = join(root, `node-${n++}`);
  const t = { dataDir, walDir: join(dataDir, 'wal'), metaDir: join(dataDir, 'meta'), chdbDir: join(dataDir, 'chdb') };
  await mkdir(t.chdbDir, { recursive: true });
  await writeFile(join(t.chdbDir, 'old'), 'old data');
  await mkdir(join(dataDir, 'quarantine'), { recursive: true });
  return t;
}

test('a complete backup verifies; missing, truncated or changed files and a missing manifest are refused', async () => {
  const good = await makeBackup();
  assert.equal((await verifyBackup(good)).files.length, 4);
  const missing = await makeBackup();
  await rm(join(missing, 'wal/CURRENT'));
  await assert.rejects(verifyBackup(missing), /is incomplete: wal\/CURRENT is missing/);
  const cut = await makeBackup();
  await truncate(join(cut, 'data/store/abc/part/data.bin'), 10);
  await assert.rejects(verifyBackup(cut), /data\/store\/abc\/part\/data.bin has 10 bytes, the manifest says 1000 \(truncated\?\)/);
  const changed = await makeBackup();
  await writeFile(join(changed, 'data/store/abc/part/data.bin'), 'y'.repeat(1000));
  await assert.rejects(verifyBackup(changed), /is corrupt: data\/store\/abc\/part\/data.bin does not match its checksum/);
  await rm(join(changed, 'manifest.json'));
  await assert.rejects(verifyBackup(changed), /is not a complete backup: manifest.json is missing/);
});

test('a manifest naming paths outside wal/, meta/ and data/ (or climbing out) is refused', () => {
  const base = { format_version: BACKUP_FORMAT_VERSION, symlinks: [], total_bytes: 0 };
  const file = (path: string) => JSON.stringify({ ...base, files: [{ path, bytes: 0, sha256: '0'.repeat(64) }] });
  assert.throws(() => parseManifest(file('data/../../etc/passwd'), 'b'), /invalid file entry/);
  assert.throws(() => parseManifest(file('/etc/passwd'), 'b'), /invalid file entry/);
  assert.throws(() => parseManifest(file('other/x'), 'b'), /invalid file entry/);
  assert.throws(() => parseManifest('{"format_version":9}', 'b'), /backup format 9 is not supported/);
  assert.throws(() => parseManifest('{"format_ver', 'b'), /not valid JSON/);
});

test('restore replaces wal, meta and chdb with the backup and drops the old quarantine; a failed check changes nothing', async () => {
  const t = await target();
  const bad = await makeBackup();
  await writeFile(join(bad, 'meta/CURRENT'), 'tampered');
  await assert.rejects(restoreBackup(bad, t), /does not match its checksum|has \d+ bytes/);
  assert.equal(await readFile(join(t.chdbDir, 'old'), 'utf8'), 'old data');
  const outcome = await restoreBackup(await makeBackup(), t);
  assert.equal(outcome.raftMovedTo, null);
  assert.equal(await readFile(join(t.walDir, 'CURRENT'), 'utf8'), 'wal');
  assert.equal(await readFile(join(t.chdbDir, 'store/abc/part/data.bin'), 'utf8'), 'x'.repeat(1000));
  assert.equal(await readFile(join(t.chdbDir, 'metadata/hb_x/part/data.bin'), 'utf8'), 'x'.repeat(1000), 'links are made again');
  await assert.rejects(readFile(join(t.chdbDir, 'old')), /ENOENT/);
  await assert.rejects(readFile(join(t.dataDir, 'quarantine')), /ENOENT/);
});

test('a cluster member\'s Raft state is moved aside (it rejoins); a held LevelDB means a server runs', async () => {
  const t = await target();
  await mkdir(join(t.dataDir, 'raft'), { recursive: true });
  const outcome = await restoreBackup(await makeBackup(), t, undefined, () => 42);
  assert.equal(outcome.raftMovedTo, join(t.dataDir, 'raft.before-restore-42'));
  const held = new ClassicLevel(join(root, `held-${n++}`));
  await held.open();
  try {
    const location = (held as unknown as { location: string }).location;
    await assert.rejects(assertNotServing({ dataDir: root, walDir: location, metaDir: join(root, 'absent'), chdbDir: root }), /a server is running on .*; stop it before restoring/);
  } finally {
    await held.close();
  }
});

test('which of the target\'s databases a restore would lose: the others, for a backup of one database only', () => {
  assert.deepEqual(databasesLostByRestore({ database: null }, ['a', 'b']), []);
  assert.deepEqual(databasesLostByRestore({ database: 'a' }, ['a', 'b', 'c']), ['b', 'c']);
  assert.deepEqual(databasesLostByRestore({ database: 'a' }, ['a']), []);
  assert.deepEqual(databasesLostByRestore({ database: 'a' }, []), []);
});

test('a backup of one database is refused over a node holding other databases (nothing changes), and restores where it loses nothing', async () => {
  const t = await target();
  const store = new CatalogStore(t.metaDir);
  await store.open();
  await store.persist(Catalog.empty().apply({ kind: 'create-database', name: 'load' }).apply({ kind: 'create-database', name: 'other' }));
  await store.close();
  await assert.rejects(restoreBackup(await makeBackup('load'), t), /is a backup of database "load" only, and .* also holds "other"; a restore replaces the whole data directory/);
  assert.equal(await readFile(join(t.chdbDir, 'old'), 'utf8'), 'old data', 'the refused restore changed nothing');
  const reopened = new CatalogStore(t.metaDir);
  await reopened.open();
  assert.deepEqual(reopened.catalog.databaseNames(), ['load', 'other']);
  await reopened.close();
  // A full backup replaces the node; a --db backup goes where the target holds nothing else.
  await restoreBackup(await makeBackup(null), t);
  const empty = await target();
  await restoreBackup(await makeBackup('load'), empty);
  assert.equal(await readFile(join(empty.walDir, 'CURRENT'), 'utf8'), 'wal');
});
