// The backup directory's contract (the administration doc's): wal/, meta/, data/ and
// manifest.json naming every file with its size and SHA-256. Pure shapes and checks, plus the
// streaming hash both sides use; manifest.json is written last, so a backup without it is incomplete.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export interface BackupFileEntry {
  /** Relative to the backup directory, '/'-separated: wal/…, meta/…, data/…. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format_version: number;
  /** When the consistent point was taken (RFC 3339). */
  readonly timestamp: string;
  /** The one database backed up (--db), or null for all of them. */
  readonly database: string | null;
  readonly wal_last_seq: number;
  /** Every entry up to here is in data/; the later ones are in wal/. */
  readonly wal_flushed_seq: number;
  readonly origin_watermarks: Readonly<Record<string, number>>;
  readonly catalog_index: number;
  /** Where the data came from (the source node's configured directories). */
  readonly engine_data_paths: { readonly wal_dir: string; readonly meta_dir: string; readonly chdb_dir: string };
  readonly files: readonly BackupFileEntry[];
  readonly symlinks: ReadonlyArray<{ readonly path: string; readonly target: string }>;
  readonly total_bytes: number;
}

/** Progress of a backup or restore, as the CLI shows it (bar on a terminal, JSON lines otherwise). */
export interface TransferProgress {
  readonly phase: 'snapshot' | 'copy' | 'verify' | 'restore' | 'done';
  readonly files: number;
  readonly totalFiles: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export class BackupError extends Error {}

const SHA256 = /^[0-9a-f]{64}$/;

/** Parses manifest.json, refusing anything that is not a complete manifest of this format. */
export function parseManifest(text: string, where: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BackupError(`${where}: manifest.json is not valid JSON (truncated or corrupt backup)`);
  }
  const m = value as Partial<BackupManifest> | null;
  if (typeof m !== 'object' || m === null) throw new BackupError(`${where}: manifest.json is not an object`);
  if (m.format_version !== BACKUP_FORMAT_VERSION) throw new BackupError(`${where}: backup format ${String(m.format_version)} is not supported (this version reads ${BACKUP_FORMAT_VERSION})`);
  if (!Array.isArray(m.files) || !Array.isArray(m.symlinks) || typeof m.total_bytes !== 'number') throw new BackupError(`${where}: manifest.json lacks its file list`);
  for (const file of m.files) {
    if (typeof file?.path !== 'string' || !safeRelative(file.path) || !Number.isSafeInteger(file.bytes) || !SHA256.test(String(file.sha256))) {
      throw new BackupError(`${where}: manifest.json names an invalid file entry ${JSON.stringify(file)}`);
    }
  }
  for (const link of m.symlinks) {
    if (typeof link?.path !== 'string' || !safeRelative(link.path) || typeof link.target !== 'string' || link.target.startsWith('/')) {
      throw new BackupError(`${where}: manifest.json names an invalid link ${JSON.stringify(link)}`);
    }
  }
  return m as BackupManifest;
}

/** A path inside the backup: relative, under wal/, meta/ or data/, never climbing out. */
export function safeRelative(path: string): boolean {
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) return false;
  return /^(wal|meta|data)\//.test(path);
}

/** SHA-256 and size of a file, streamed; `onBytes` sees each chunk's length (progress). */
export async function hashFile(path: string, onBytes: (n: number) => void = () => undefined): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    onBytes(chunk.length);
  }
  return { sha256: hash.digest('hex'), bytes };
}
