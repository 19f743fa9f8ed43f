// Backup and restore with real processes (issue 11): a backup taken through the running server
// under a sustained write load holds every point acknowledged before it began, each write whole;
// restore refuses a running server, a corrupt backup and a backup of one database (--db) over a node
// holding other databases (it replaces whole directories: they would be lost), leaving the target
// as it was, and backup refuses a non-empty output directory. The offline path (no server) is
// covered too; truncated and incomplete backups are checked without processes in
// test/unit/services/restore.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runHyperbytedbCli, type CommandResult } from './support/real-clients.js';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';

/** Runs `hyperbytedb <args>` as a child process (asynchronously: load keeps running meanwhile). */
const cli = (args: readonly string[]): Promise<CommandResult> => runHyperbytedbCli(args);

async function query(url: string, q: string, db = 'load'): Promise<Array<Array<unknown>>> {
  const res = await request(`${url}/query?db=${db}&epoch=ns&q=${encodeURIComponent(q)}`, { method: 'POST' });
  const body = (await res.body.json()) as { results: Array<{ series?: Array<{ values: unknown[][] }>; error?: string }> };
  assert.equal(body.results[0]?.error, undefined, JSON.stringify(body));
  return body.results[0]?.series?.flatMap((s) => s.values) ?? [];
}

async function treeDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (path: string): Promise<void> => {
    for (const entry of (await readdir(path)).sort()) {
      const full = join(path, entry);
      const info = await lstat(full);
      hash.update(full.slice(dir.length));
      if (info.isDirectory()) await walk(full);
      else if (info.isFile()) hash.update(await readFile(full));
    }
  };
  await walk(dir);
  return hash.digest('hex');
}

const BATCH = 200;

test('a backup during sustained writes holds every point acknowledged before it began; restored into a fresh directory, they are all there; a running server and a non-empty output are refused', { timeout: 150_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'hb-backup-'));
  const backupDir = join(root, 'backup');
  const restoredDir = join(root, 'restored');
  const server = await startHyperbytedb({ env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '0.5' } });
  let restored: Awaited<ReturnType<typeof startHyperbytedb>> | null = null;
  try {
    await query(server.url, 'CREATE DATABASE load', '');
    const acked: number[] = [];
    let stop = false;
    let next = 0;
    // Two writers, each batch one write: batch b holds ids b*BATCH … b*BATCH+BATCH-1.
    const writer = async (): Promise<void> => {
      while (!stop) {
        const batch = next++;
        const lines = Array.from({ length: BATCH }, (_, i) => `load,w=${batch % 2} id=${batch * BATCH + i}i ${1_700_000_000_000_000_000n + BigInt(batch * BATCH + i)}`);
        const res = await request(`${server.url}/write?db=load`, { method: 'POST', body: lines.join('\n') });
        await res.body.dump();
        if (res.statusCode === 204) acked.push(batch);
      }
    };
    const writers = [writer(), writer()];
    await new Promise((r) => setTimeout(r, 1500));
    const ackedBefore = new Set(acked);
    const backup = await cli(['backup', '--data-dir', server.dataDir, '--output', backupDir]);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(writers);
    assert.equal(backup.status, 0, backup.stderr + backup.stdout);
    assert.match(backup.stdout, /backup of the running server written to/);
    assert.match(backup.stdout, /^\{"phase":"snapshot"/m, 'JSON progress lines when stdout is not a terminal');
    const manifest = JSON.parse(await readFile(join(backupDir, 'manifest.json'), 'utf8')) as { files: Array<{ path: string }>; wal_last_seq: number; origin_watermarks: object };
    for (const part of ['wal/', 'meta/', 'data/']) assert.ok(manifest.files.some((f) => f.path.startsWith(part)), part);
    assert.ok(manifest.wal_last_seq >= ackedBefore.size);

    const [again, refused, restore] = await Promise.all([
      cli(['backup', '--data-dir', server.dataDir, '--output', backupDir]),
      cli(['restore', '--data-dir', server.dataDir, '--input', backupDir]),
      cli(['restore', '--data-dir', restoredDir, '--input', backupDir]),
    ]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /output directory .* is not empty/);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /a server is running on .*; stop it before restoring/);
    assert.equal(restore.status, 0, restore.stderr + restore.stdout);
    await server.stop();
    restored = await startHyperbytedb({ dataDir: restoredDir });
    const ids = new Set((await query(restored.url, 'SELECT id FROM load')).map((row) => Number(row[1])));
    for (const batch of ackedBefore) {
      for (let i = 0; i < BATCH; i++) assert.ok(ids.has(batch * BATCH + i), `point ${batch * BATCH + i} acknowledged before the backup is missing`);
    }
    // No write is in the backup in part.
    const perBatch = new Map<number, number>();
    for (const id of ids) perBatch.set(Math.floor(id / BATCH), (perBatch.get(Math.floor(id / BATCH)) ?? 0) + 1);
    for (const [batch, count] of perBatch) assert.equal(count, BATCH, `batch ${batch} is in the backup in part`);
    assert.ok(perBatch.size >= ackedBefore.size && perBatch.size <= acked.length);
  } finally {
    await restored?.stop();
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
});

test('restore refuses a corrupt backup, and a backup of one database over a node holding others, leaving the target untouched; an offline backup of one database restores into an empty directory', { timeout: 150_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'hb-restore-'));
  const dataDir = join(root, 'node');
  const good = join(root, 'good');
  let server = await startHyperbytedb({ dataDir });
  try {
    await query(server.url, 'CREATE DATABASE load', '');
    await query(server.url, 'CREATE DATABASE other', '');
    const lines = Array.from({ length: 500 }, (_, i) => `load,h=h${i % 5} id=${i}i ${1_700_000_000_000_000_000n + BigInt(i)}`);
    await request(`${server.url}/write?db=load`, { method: 'POST', body: lines.join('\n') }).then((r) => r.body.dump());
    await request(`${server.url}/write?db=other`, { method: 'POST', body: 'o v=1 1' }).then((r) => r.body.dump());
    await server.stop();
    // No server runs: backup reads the data directory itself; --db keeps one database.
    const offline = await cli(['backup', '--data-dir', dataDir, '--output', good, '--db', 'load']);
    assert.equal(offline.status, 0, offline.stderr);
    assert.match(offline.stdout, /no server running/);

    const before = await treeDigest(dataDir);
    const manifest = JSON.parse(await readFile(join(good, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; bytes: number }> };
    const victim = manifest.files.filter((f) => f.path.startsWith('data/') && f.path.endsWith('.bin')).sort((a, b) => b.bytes - a.bytes)[0]!;
    const corrupt = join(root, 'corrupt');
    await cp(good, corrupt, { recursive: true, verbatimSymlinks: true });
    const bytes = await readFile(join(corrupt, victim.path));
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(join(corrupt, victim.path), bytes);
    const corrupted = await cli(['restore', '--data-dir', dataDir, '--input', corrupt]);
    assert.equal(corrupted.status, 1);
    assert.match(corrupted.stderr, /is corrupt: data\/.* does not match its checksum/);

    assert.equal(await treeDigest(dataDir), before, 'a refused restore leaves the target as it was');
    assert.equal((await stat(dataDir)).isDirectory(), true);

    // Restoring replaces whole directories: a backup of "load" would take "other" away, so it is refused.
    const lossy = await cli(['restore', '--data-dir', dataDir, '--input', good]);
    assert.equal(lossy.status, 1, lossy.stdout);
    assert.match(lossy.stderr, /is a backup of database "load" only, and .* also holds "other"; a restore replaces the whole data directory, so those would be lost/);
    assert.equal(await treeDigest(dataDir), before, 'a refused --db restore leaves the target as it was');

    const fresh = join(root, 'fresh');
    const ok = await cli(['restore', '--data-dir', fresh, '--input', good]);
    assert.equal(ok.status, 0, ok.stderr);
    server = await startHyperbytedb({ dataDir: fresh });
    assert.deepEqual((await query(server.url, 'SELECT count(id) FROM load')).map((r) => r[1]), [500]);
    const databases = await query(server.url, 'SHOW DATABASES', '');
    assert.deepEqual(databases.map((r) => r[0]), ['load'], 'a --db backup holds that database only');
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
});
