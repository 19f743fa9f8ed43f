// What the retention service needs from chDB: a table's partitions with their time bounds, and
// the two ways to remove old rows (drop a partition; an ALTER TABLE … DELETE mutation, which runs
// in the background). Statements are asynchronous in chDB: none of them blocks the insert path.

import type { ChdbSession } from './chdb-session.js';
import { chDatabaseName, qualifiedTable, quoteString } from './naming.js';

export interface StoredPartition {
  readonly table: string;
  readonly partitionId: string;
  /** Bounds of the partition's rows, whole seconds (system.parts precision), as Unix ns. */
  readonly minTimeNs: bigint;
  readonly maxTimeNs: bigint;
  readonly rows: number;
}

export interface RetentionStore {
  /** Active partitions of every table of (db, rp). */
  partitions(db: string, rp: string): Promise<StoredPartition[]>;
  /** Tables of (db, rp) with a mutation still running (a delete issued earlier, not yet done). */
  busyTables(db: string, rp: string): Promise<Set<string>>;
  dropPartition(db: string, rp: string, measurement: string, partitionId: string): Promise<void>;
  /** Rows older than the cutoff (what a delete will remove). */
  countBefore(db: string, rp: string, measurement: string, cutoffNs: bigint): Promise<number>;
  /** Starts an ALTER TABLE … DELETE of the rows older than the cutoff. */
  deleteBefore(db: string, rp: string, measurement: string, cutoffNs: bigint): Promise<void>;
}

const SECOND_NS = 1_000_000_000n;

export function chdbRetentionStore(session: ChdbSession): RetentionStore {
  return {
    async partitions(db, rp) {
      const result = await session.query(
        'SELECT table, partition_id, toUnixTimestamp(min(min_time)), toUnixTimestamp(max(max_time)), sum(rows) FROM system.parts' +
          ` WHERE active AND database = ${quoteString(chDatabaseName(db, rp))} GROUP BY table, partition_id ORDER BY table, partition_id`,
      );
      return result.rows.map((row) => ({
        table: String(row[0]),
        partitionId: String(row[1]),
        minTimeNs: BigInt(String(row[2])) * SECOND_NS,
        maxTimeNs: BigInt(String(row[3])) * SECOND_NS,
        rows: Number(row[4]),
      }));
    },
    async busyTables(db, rp) {
      const result = await session.query(`SELECT DISTINCT table FROM system.mutations WHERE NOT is_done AND database = ${quoteString(chDatabaseName(db, rp))}`);
      return new Set(result.rows.map((row) => String(row[0])));
    },
    async dropPartition(db, rp, measurement, partitionId) {
      await session.exec(`ALTER TABLE ${qualifiedTable(db, rp, measurement)} DROP PARTITION ID ${quoteString(partitionId)}`);
    },
    async countBefore(db, rp, measurement, cutoffNs) {
      const result = await session.query(`SELECT count() FROM ${qualifiedTable(db, rp, measurement)} WHERE time < fromUnixTimestamp64Nano(toInt64(${cutoffNs}), 'UTC')`);
      return Number(result.rows[0]?.[0] ?? 0);
    },
    async deleteBefore(db, rp, measurement, cutoffNs) {
      await session.exec(`ALTER TABLE ${qualifiedTable(db, rp, measurement)} DELETE WHERE time < fromUnixTimestamp64Nano(toInt64(${cutoffNs}), 'UTC')`);
    },
  };
}
