// Groups WAL records into per-table point lists and encodes each as one RowBinary insert.
// Pure CPU work shared by the in-process flush (after a restart) and the flush encoder thread.

import type { FieldType, Point } from '../model/point.js';
import type { WalRecord } from '../wal/wal-port.js';
import { encodeInsert, type EncodedInsert } from '../store/insert-encoder.js';
import type { InsertBuffer } from '../store/insert-buffer.js';

export interface TableBatch {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly points: Point[];
  /** The version of each point's write (parallel to points). */
  readonly versions: bigint[];
  /**
   * Where each write's points end (exclusive), ascending: duplicates within one write resolve
   * by order (the last wins), between writes by version (store/insert-encoder.ts).
   */
  readonly entryEnds: number[];
  /** Lowest and highest catalog index the batch's writes were validated at. */
  minCatalogIndex: number;
  maxCatalogIndex: number;
  /** Runs of points by the catalog index of their write: [end (exclusive), catalogIndex, …]. */
  readonly catalogIndexRuns: number[];
}

export function tableKey(db: string, rp: string, measurement: string): string {
  return `${db}\u0000${rp}\u0000${measurement}`;
}

export function groupByTable(records: readonly WalRecord[]): Map<string, TableBatch> {
  const batches = new Map<string, TableBatch>();
  const lastRecordOf = new Map<TableBatch, WalRecord>();
  for (const record of records) {
    const { db, rp, version, catalogIndex } = record.entry;
    // A write's points mostly share one measurement: its batch is looked up (and a key string
    // made) only when the measurement changes.
    let batch: TableBatch | undefined;
    for (const point of record.entry.points) {
      if (batch === undefined || batch.measurement !== point.measurement) {
        const key = tableKey(db, rp, point.measurement);
        batch = batches.get(key);
        if (!batch) {
          batches.set(key, (batch = { db, rp, measurement: point.measurement, points: [], versions: [], entryEnds: [], minCatalogIndex: catalogIndex, maxCatalogIndex: catalogIndex, catalogIndexRuns: [] }));
        }
      }
      // A write's points of one table are contiguous: this record's points extend its last run.
      const ends = batch.entryEnds;
      if (ends.length > 0 && lastRecordOf.get(batch) === record) ends[ends.length - 1] = batch.points.length + 1;
      else {
        ends.push(batch.points.length + 1);
        lastRecordOf.set(batch, record);
      }
      batch.points.push(point);
      batch.versions.push(version);
      const runs = batch.catalogIndexRuns;
      if (runs.length > 0 && runs[runs.length - 1] === catalogIndex) runs[runs.length - 2] = batch.points.length;
      else runs.push(batch.points.length, catalogIndex);
      if (catalogIndex < batch.minCatalogIndex) batch.minCatalogIndex = catalogIndex;
      if (catalogIndex > batch.maxCatalogIndex) batch.maxCatalogIndex = catalogIndex;
    }
  }
  return batches;
}

/** Field types as the points carry them; the write path validated them against the catalog. */
export function pointFieldTypes(points: readonly Point[]): Map<string, FieldType> {
  const types = new Map<string, FieldType>();
  let lastKeys: readonly string[] | null = null;
  for (const point of points) {
    if (point.fieldKeys === lastKeys) continue;
    lastKeys = point.fieldKeys;
    for (let i = 0; i < point.fieldKeys.length; i++) if (!types.has(point.fieldKeys[i]!)) types.set(point.fieldKeys[i]!, point.fieldTypes[i]!);
  }
  return types;
}

/** The batch without the points of writes validated before `catalogIndex` (null when none is left). */
export function pointsSince(batch: TableBatch, catalogIndex: number): TableBatch | null {
  if (batch.minCatalogIndex >= catalogIndex) return batch;
  const points: Point[] = [];
  const versions: bigint[] = [];
  const entryEnds: number[] = [];
  const catalogIndexRuns: number[] = [];
  let start = 0;
  let nextEnd = 0;
  let min = Number.MAX_SAFE_INTEGER;
  for (let r = 0; r < batch.catalogIndexRuns.length; r += 2) {
    const end = batch.catalogIndexRuns[r]!;
    const index = batch.catalogIndexRuns[r + 1]!;
    const keep = index >= catalogIndex;
    const offset = points.length - start;
    if (keep) {
      for (let i = start; i < end; i++) {
        points.push(batch.points[i]!);
        versions.push(batch.versions[i]!);
      }
      catalogIndexRuns.push(points.length, index);
      min = Math.min(min, index);
    }
    // A write has one catalog index, so a run holds whole writes.
    for (; nextEnd < batch.entryEnds.length && batch.entryEnds[nextEnd]! <= end; nextEnd++) if (keep) entryEnds.push(batch.entryEnds[nextEnd]! + offset);
    start = end;
  }
  if (points.length === 0) return null;
  return { ...batch, points, versions, entryEnds, minCatalogIndex: min, catalogIndexRuns };
}

/**
 * Where writes end when only the points' versions are known (a batch an older release kept
 * aside): a write ends where the version changes. Two adjacent writes of one version merge into
 * one, their last point winning, which a merge by version could also have chosen.
 */
export function entryEndsFromVersions(versions: readonly bigint[]): number[] {
  const ends: number[] = [];
  for (let i = 1; i <= versions.length; i++) if (i === versions.length || versions[i] !== versions[i - 1]) ends.push(i);
  return ends;
}

/** Encodes a batch's insert; into a kept buffer, its payload lasts until the buffer's next use. */
export function encodeTable(batch: TableBatch, into?: InsertBuffer): EncodedInsert {
  return encodeInsert(batch, pointFieldTypes(batch.points), into);
}
