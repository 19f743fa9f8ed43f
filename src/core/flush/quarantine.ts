// Keeps the points of a table whose inserts keep failing, on disk, so the flush can move past them
// and every other table keeps flushing; retries them in order until they are stored. Never drops
// a point: a table is released only once everything it held was inserted.

import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import type { Point } from '../model/point.js';
import { toStoredEntry, fromStoredEntry } from '../wal/entry-codec.js';
import { entryEndsFromVersions, tableKey, type TableBatch } from './table-batches.js';

const packr = new Packr({ useRecords: true, int64AsType: 'bigint' });

export interface QuarantinedTable {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  /** Batches waiting, oldest first. */
  readonly batches: number;
  readonly points: number;
  readonly bytes: number;
  readonly since: number;
  readonly lastError: string;
  readonly attempts: number;
  /** When the next retry may run (wall-clock ms). */
  nextRetryAtMs: number;
}

interface StoredBatch {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly minCatalogIndex: number;
  readonly maxCatalogIndex: number;
  readonly catalogIndexRuns: number[];
  readonly versions: bigint[];
  /** Absent in batches an older release kept aside. */
  readonly entryEnds?: number[];
  readonly body: ReturnType<typeof toStoredEntry>;
}

interface TableState {
  db: string;
  rp: string;
  measurement: string;
  dir: string;
  files: string[];
  points: number;
  bytes: number;
  since: number;
  lastError: string;
  attempts: number;
  nextRetryAtMs: number;
}

/** Directory name of a table: its key, hex-encoded (any name is safe on any filesystem). */
function tableDirName(key: string): string {
  return Buffer.from(key, 'utf8').toString('hex').slice(0, 200) + '-' + Buffer.from(key).length;
}

export class Quarantine {
  private readonly tables = new Map<string, TableState>();
  private sequence = 0;

  constructor(
    private readonly dir: string,
    private readonly nowMs: () => number,
    private readonly retryDelayMs: { readonly first: number; readonly max: number },
  ) {}

  /** Loads what an earlier run left (quarantined tables stay quarantined across restarts). */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      const tableDir = join(this.dir, name);
      const files = (await readdir(tableDir)).filter((f) => f.endsWith('.batch')).sort();
      if (files.length === 0) {
        await rm(tableDir, { recursive: true, force: true });
        continue;
      }
      let points = 0;
      let bytes = 0;
      let first: StoredBatch | null = null;
      for (const file of files) {
        const raw = await readFile(join(tableDir, file));
        const stored = packr.unpack(raw) as StoredBatch;
        first ??= stored;
        points += stored.versions.length;
        bytes += raw.length;
        this.sequence = Math.max(this.sequence, Number.parseInt(file, 10) || 0);
      }
      const key = tableKey(first!.db, first!.rp, first!.measurement);
      this.tables.set(key, {
        db: first!.db,
        rp: first!.rp,
        measurement: first!.measurement,
        dir: tableDir,
        files,
        points,
        bytes,
        since: this.nowMs(),
        lastError: 'quarantined before the last restart',
        attempts: 0,
        nextRetryAtMs: 0,
      });
    }
  }

  has(db: string, rp: string, measurement: string): boolean {
    return this.tables.has(tableKey(db, rp, measurement));
  }

  bytesOf(db: string, rp: string, measurement: string): number {
    return this.tables.get(tableKey(db, rp, measurement))?.bytes ?? 0;
  }

  list(): QuarantinedTable[] {
    return [...this.tables.values()].map((t) => ({
      db: t.db,
      rp: t.rp,
      measurement: t.measurement,
      batches: t.files.length,
      points: t.points,
      bytes: t.bytes,
      since: t.since,
      lastError: t.lastError,
      attempts: t.attempts,
      nextRetryAtMs: t.nextRetryAtMs,
    }));
  }

  /** Stores a batch of the table durably (file and directory synced) behind what it holds already. */
  async add(batch: TableBatch, error: string): Promise<void> {
    const key = tableKey(batch.db, batch.rp, batch.measurement);
    let state = this.tables.get(key);
    const dir = state?.dir ?? join(this.dir, tableDirName(key));
    await mkdir(dir, { recursive: true });
    const stored: StoredBatch = {
      db: batch.db,
      rp: batch.rp,
      measurement: batch.measurement,
      minCatalogIndex: batch.minCatalogIndex,
      maxCatalogIndex: batch.maxCatalogIndex,
      catalogIndexRuns: batch.catalogIndexRuns,
      versions: batch.versions,
      entryEnds: batch.entryEnds,
      body: toStoredEntry({ db: batch.db, rp: batch.rp, points: batch.points, origin: '', catalogIndex: batch.minCatalogIndex }),
    };
    const bytes = packr.pack(stored);
    const file = `${String(++this.sequence).padStart(12, '0')}.batch`;
    await writeSynced(join(dir, file), bytes);
    await syncDir(dir);
    await syncDir(this.dir);
    if (!state) {
      state = { db: batch.db, rp: batch.rp, measurement: batch.measurement, dir, files: [], points: 0, bytes: 0, since: this.nowMs(), lastError: error, attempts: 0, nextRetryAtMs: this.nowMs() + this.retryDelayMs.first };
      this.tables.set(key, state);
    }
    state.files.push(file);
    state.points += batch.points.length;
    state.bytes += bytes.length;
    state.lastError = error;
  }

  /** Tables whose next retry is due. */
  due(): string[] {
    const now = this.nowMs();
    return [...this.tables].filter(([, t]) => t.nextRetryAtMs <= now).map(([key]) => key);
  }

  /**
   * Inserts the table's batches oldest first through `insert`; each stored one is removed. On a
   * failure the rest wait for the next retry, later each time. True once the table is released.
   */
  async retry(key: string, insert: (batch: TableBatch) => Promise<void>): Promise<boolean> {
    const state = this.tables.get(key);
    if (!state) return true;
    while (state.files.length > 0) {
      const file = state.files[0]!;
      const path = join(state.dir, file);
      const raw = await readFile(path);
      const stored = packr.unpack(raw) as StoredBatch;
      const entry = fromStoredEntry(stored.body, 1, 0n);
      const batch: TableBatch = {
        db: stored.db,
        rp: stored.rp,
        measurement: stored.measurement,
        points: entry.points as Point[],
        versions: stored.versions,
        entryEnds: stored.entryEnds ?? entryEndsFromVersions(stored.versions),
        minCatalogIndex: stored.minCatalogIndex,
        maxCatalogIndex: stored.maxCatalogIndex,
        catalogIndexRuns: stored.catalogIndexRuns,
      };
      try {
        await insert(batch);
      } catch (error) {
        state.attempts++;
        state.lastError = error instanceof Error ? error.message : String(error);
        const delay = Math.min(this.retryDelayMs.max, this.retryDelayMs.first * 2 ** Math.min(20, state.attempts));
        state.nextRetryAtMs = this.nowMs() + delay;
        return false;
      }
      // A crash before this removal inserts the batch once more after the restart, which changes
      // nothing: rows of one series, time and version merge into the same values.
      await rm(path, { force: true });
      state.files.shift();
      state.points -= batch.points.length;
      state.bytes -= raw.length;
    }
    this.tables.delete(key);
    await rm(state.dir, { recursive: true, force: true });
    return true;
  }

  /** Forgets the quarantined data of tables that were dropped (nothing of theirs is to be stored). */
  async forget(match: (db: string, rp: string, measurement: string) => boolean): Promise<void> {
    for (const [key, state] of [...this.tables]) {
      if (!match(state.db, state.rp, state.measurement)) continue;
      this.tables.delete(key);
      await rm(state.dir, { recursive: true, force: true });
    }
  }
}

async function writeSynced(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
