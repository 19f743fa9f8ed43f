// Groups WAL records into per-table point lists and encodes each as one RowBinary insert.
// Pure CPU work shared by the in-process flush (after a restart) and the flush encoder thread.

import type { FieldType, Point } from '../model/point.js';
import type { WalRecord } from '../wal/wal-port.js';
import { encodeInsert, type EncodedInsert } from '../store/insert-encoder.js';

export interface TableBatch {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly points: Point[];
}

export function groupByTable(records: readonly WalRecord[]): Map<string, TableBatch> {
  const batches = new Map<string, TableBatch>();
  for (const record of records) {
    const { db, rp } = record.entry;
    for (const point of record.entry.points) {
      const key = `${db}\u0000${rp}\u0000${point.measurement}`;
      let batch = batches.get(key);
      if (!batch) batches.set(key, (batch = { db, rp, measurement: point.measurement, points: [] }));
      batch.points.push(point);
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

export function encodeTable(batch: TableBatch): EncodedInsert {
  return encodeInsert(batch.points, pointFieldTypes(batch.points));
}
