// SHOW SHARDS and SHOW SHARD GROUPS in InfluxDB 1.x's shapes. HyperbyteDB keeps no shards: a
// shard group is each span of a policy's shard-group duration that holds data, found in the
// tables; ids are numbered in database, policy and time order (1.x numbers them as created).

import { qualifiedTable } from '../../store/naming.js';
import { formatRfc3339Nano } from '../language/time-literal.js';
import type { QueryPort } from './query-port.js';
import type { Series } from './result.js';

export interface ShardGroupInfo {
  readonly id: bigint;
  readonly db: string;
  readonly rp: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** End plus the policy's duration (the end itself for an infinite policy). */
  readonly expiryNs: bigint;
}

/** Nanoseconds from Go's zero time (year 1) to the Unix epoch: time.Truncate counts from there. */
const GO_ZERO_TO_UNIX_NS = 62_135_596_800n * 1_000_000_000n;

/**
 * The SQL of the distinct group starts of one table: Go's Truncate(duration) of each time,
 * computed in Int64 by shifting the origin by (zero time mod duration) instead of by zero time.
 */
export function groupStartsSql(table: string, durationNs: bigint): string {
  const shift = GO_ZERO_TO_UNIX_NS % durationNs;
  const x = `(toUnixTimestamp64Nano(\`time\`) + ${shift})`;
  return `SELECT DISTINCT toString(${x} - (((${x} % ${durationNs}) + ${durationNs}) % ${durationNs}) - ${shift}) FROM ${table}`;
}

function isMissingTable(err: unknown): boolean {
  const text = err instanceof Error ? err.message : String(err);
  return /UNKNOWN_TABLE|UNKNOWN_DATABASE|Code: 60\b|Code: 81\b/.test(text);
}

/** Every shard group holding data, over all databases, each with its id. */
export async function listShardGroups(port: QueryPort, signal?: AbortSignal): Promise<ShardGroupInfo[]> {
  const out: ShardGroupInfo[] = [];
  let id = 0n;
  const schema = port.schema;
  const targets = schema.databaseNames().flatMap((name) => {
    const db = schema.database(name);
    return db === undefined ? [] : db.retentionPolicies.flatMap((rp) => db.measurements(rp.name).map((m) => ({ db: name, rp: rp.name, measurement: m.name })));
  });
  await port.ensureFlushed(targets);
  for (const name of schema.databaseNames()) {
    const db = schema.database(name);
    if (db === undefined) continue;
    for (const rp of db.retentionPolicies) {
      const starts = new Set<bigint>();
      for (const m of db.measurements(rp.name)) {
        try {
          const result = await port.runSql(groupStartsSql(qualifiedTable(name, rp.name, m.name), rp.shardGroupDurationNs), signal !== undefined ? { signal } : {});
          for (const row of result.rows) starts.add(BigInt(String(row[0])));
        } catch (err) {
          if (!isMissingTable(err)) throw err;
        }
      }
      for (const startNs of [...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const endNs = startNs + rp.shardGroupDurationNs;
        out.push({ id: ++id, db: name, rp: rp.name, startNs, endNs, expiryNs: endNs + rp.durationNs });
      }
    }
  }
  return out;
}

const time = (ns: bigint): string => formatRfc3339Nano(ns);

/** SHOW SHARDS: one series per database (an empty one for a database without shards). */
export function showShardsSeries(databases: readonly string[], groups: readonly ShardGroupInfo[]): Series[] {
  const columns = ['id', 'database', 'retention_policy', 'shard_group', 'start_time', 'end_time', 'expiry_time', 'owners'];
  return databases.map((db) => ({
    name: db,
    columns,
    values: groups.filter((g) => g.db === db).map((g) => [g.id, g.db, g.rp, g.id, time(g.startNs), time(g.endNs), time(g.expiryNs), '']),
  }));
}

/** SHOW SHARD GROUPS: one series of every group. */
export function showShardGroupsSeries(groups: readonly ShardGroupInfo[]): Series[] {
  return [
    {
      name: 'shard groups',
      columns: ['id', 'database', 'retention_policy', 'start_time', 'end_time', 'expiry_time'],
      values: groups.map((g) => [g.id, g.db, g.rp, time(g.startNs), time(g.endNs), time(g.expiryNs)]),
    },
  ];
}
