// Offline restore of a backup directory onto a node's configured directories. It checks every
// file against the manifest first and refuses while a server holds the directories; the copy goes
// to staging directories beside the targets, and only a complete copy replaces them. A corrupt
// or truncated backup leaves the target untouched. A backup of one database (--db) replaces the
// node's directories too, so it is refused where the target holds other databases it would lose.

import { copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { CatalogStore } from '../meta/catalog-store.js';
import { BackupError, MANIFEST_FILE, hashFile, parseManifest, type BackupManifest, type TransferProgress } from './backup-manifest.js';

export interface RestoreTarget {
  readonly dataDir: string;
  readonly walDir: string;
  readonly metaDir: string;
  readonly chdbDir: string;
}

export interface RestoreOutcome {
  readonly manifest: BackupManifest;
  /** Where this node's Raft state was moved (it rejoins its cluster), if it had any. */
  readonly raftMovedTo: string | null;
}

/** Reads manifest.json and checks every file it names (size, then SHA-256). */
export async function verifyBackup(inputDir: string, onProgress: (progress: TransferProgress) => void = () => undefined): Promise<BackupManifest> {
  const text = await readFile(join(inputDir, MANIFEST_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new BackupError(error.code === 'ENOENT' ? `${inputDir} is not a complete backup: ${MANIFEST_FILE} is missing` : `cannot read ${join(inputDir, MANIFEST_FILE)}: ${error.message}`);
  });
  const manifest = parseManifest(text, inputDir);
  const progress = { phase: 'verify' as const, files: 0, totalFiles: manifest.files.length, bytes: 0, totalBytes: manifest.total_bytes };
  onProgress({ ...progress });
  for (const file of manifest.files) {
    const path = join(inputDir, file.path);
    const info = await stat(path).catch(() => null);
    if (info === null) throw new BackupError(`backup ${inputDir} is incomplete: ${file.path} is missing`);
    if (info.size !== file.bytes) throw new BackupError(`backup ${inputDir} is corrupt: ${file.path} has ${info.size} bytes, the manifest says ${file.bytes} (truncated?)`);
    const { sha256 } = await hashFile(path, (n) => {
      progress.bytes += n;
      onProgress({ ...progress });
    });
    if (sha256 !== file.sha256) throw new BackupError(`backup ${inputDir} is corrupt: ${file.path} does not match its checksum`);
    progress.files++;
  }
  onProgress({ ...progress });
  return manifest;
}

/** Refuses when a process holds the LevelDB of the WAL or the catalog (a server runs on them). */
export async function assertNotServing(target: RestoreTarget): Promise<void> {
  for (const dir of [target.walDir, target.metaDir]) {
    const db = new ClassicLevel(dir, { createIfMissing: false });
    try {
      await db.open();
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
      if (code === 'LEVEL_LOCKED') throw new BackupError(`restore: a server is running on ${dir}; stop it before restoring`);
      continue; // absent or unreadable: it is replaced anyway
    }
    await db.close();
  }
}

/**
 * The target's databases a restore of `manifest` would take away although the backup does not
 * replace them: those other than its one database, for a backup of one database (--db). A full
 * backup stands for the whole node, so it loses nothing it was not asked to replace.
 */
export function databasesLostByRestore(manifest: Pick<BackupManifest, 'database'>, targetDatabases: readonly string[]): string[] {
  if (manifest.database === null) return [];
  return targetDatabases.filter((name) => name !== manifest.database);
}

/** The databases in the target's catalog (none when it has none), read from a copy: opening a LevelDB rewrites its files. */
async function targetDatabases(metaDir: string): Promise<readonly string[]> {
  if ((await stat(join(metaDir, 'CURRENT')).catch(() => null)) === null) return [];
  const copy = await mkdtemp(join(tmpdir(), 'hyperbytedb-restore-check-'));
  const store = new CatalogStore(copy);
  try {
    await cp(metaDir, copy, { recursive: true });
    await store.open();
    return store.catalog.databaseNames();
  } catch (error) {
    throw new BackupError(`restore: cannot read the catalog in ${metaDir} to check which databases it holds: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await store.close();
    await rm(copy, { recursive: true, force: true });
  }
}

/**
 * InfluxDB's `restore -db` leaves the other databases as they are; this restore replaces whole
 * directories, so a backup of one database goes only where nothing else would be lost.
 */
async function assertNothingElseLost(inputDir: string, manifest: BackupManifest, target: RestoreTarget): Promise<void> {
  const lost = databasesLostByRestore(manifest, await targetDatabases(target.metaDir));
  if (lost.length === 0) return;
  throw new BackupError(
    `restore: ${inputDir} is a backup of database "${manifest.database}" only, and ${target.dataDir} also holds ${lost.map((n) => `"${n}"`).join(', ')}; ` +
      'a restore replaces the whole data directory, so those would be lost. Restore it into an empty data directory, or restore a full backup (taken without --db)',
  );
}

/** Verifies the backup, then replaces the node's WAL, catalog and chDB directories with it. */
export async function restoreBackup(inputDir: string, target: RestoreTarget, onProgress: (progress: TransferProgress) => void = () => undefined, nowMs: () => number = Date.now): Promise<RestoreOutcome> {
  const manifest = await verifyBackup(inputDir, onProgress);
  await assertNothingElseLost(inputDir, manifest, target);
  await assertNotServing(target);
  const parts: Array<[string, string]> = [
    ['wal', target.walDir],
    ['meta', target.metaDir],
    ['data', target.chdbDir],
  ];
  const staging = (dir: string): string => `${dir}.restoring`;
  for (const [, dir] of parts) await rm(staging(dir), { recursive: true, force: true });
  const progress = { phase: 'restore' as const, files: 0, totalFiles: manifest.files.length, bytes: 0, totalBytes: manifest.total_bytes };
  try {
    for (const [, dir] of parts) await mkdir(staging(dir), { recursive: true });
    for (const file of manifest.files) {
      const [prefix, ...rest] = file.path.split('/');
      const dir = parts.find(([p]) => p === prefix)![1];
      const to = join(staging(dir), ...rest);
      await mkdir(dirname(to), { recursive: true });
      await copyFile(join(inputDir, file.path), to);
      progress.files++;
      progress.bytes += file.bytes;
      onProgress({ ...progress });
    }
    for (const link of manifest.symlinks) {
      const [prefix, ...rest] = link.path.split('/');
      const to = join(staging(parts.find(([p]) => p === prefix)![1]), ...rest);
      await mkdir(dirname(to), { recursive: true });
      await symlink(link.target, to);
    }
  } catch (error) {
    for (const [, dir] of parts) await rm(staging(dir), { recursive: true, force: true });
    throw new BackupError(`restore: copying the backup failed, the node's directories are untouched: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const [, dir] of parts) {
    await rm(dir, { recursive: true, force: true });
    await rename(staging(dir), dir);
  }
  // Points kept aside by the old data's failed inserts belong to it, not to the backup.
  await rm(join(target.dataDir, 'quarantine'), { recursive: true, force: true });
  let raftMovedTo: string | null = null;
  const raftDir = join(target.dataDir, 'raft');
  if ((await stat(raftDir).catch(() => null)) !== null) {
    // A cluster member's Raft log reaches past the restored catalog: it rejoins as a new member.
    raftMovedTo = `${raftDir}.before-restore-${nowMs()}`;
    await rename(raftDir, raftMovedTo);
  }
  onProgress({ phase: 'done', files: progress.files, totalFiles: progress.totalFiles, bytes: progress.bytes, totalBytes: progress.totalBytes });
  return { manifest, raftMovedTo };
}
