// The look at system.parts behind the duplicate tracker: whether a table's active parts overlap
// in time, and the newest time they hold.

import type { ChdbSession } from './chdb-session.js';
import { chDatabaseName, chTableName, quoteString } from './naming.js';
import { EMPTY_TABLE_MAX_TIME_NS, type PartsProbe, type PartsProbeResult, type TableRef } from './duplicate-tracker.js';

const MAX_TIME_NS = 2n ** 63n - 1n;
const NS_PER_SECOND = 1_000_000_000n;

/**
 * system.parts reports part time ranges in whole seconds, floored (so the overlap test is
 * conservative), and wraps times outside DateTime's 1970–2106: a part in a partition outside
 * that span counts as overlapping and as holding the newest possible time.
 */
export function partsProbeSql(table: TableRef): string {
  const where = `database = ${quoteString(chDatabaseName(table.db, table.rp))} AND table = ${quoteString(chTableName(table.measurement))} AND active`;
  const overlap = 'arrayExists((p, i) -> i > 1 AND p.1 <= arrayMax(arrayMap(q -> q.2, arraySlice(s, 1, i - 1))), s, arrayEnumerate(s))';
  return (
    `SELECT untrusted, ${overlap} AS overlap, parts, maxSeconds FROM (SELECT countIf(NOT (\`partition\` > '1970-01-04' AND \`partition\` < '2106-01-01')) AS untrusted,` +
    ` arraySort(groupArray(tuple(min_time, max_time))) AS s, count() AS parts, toInt64(max(toUnixTimestamp(max_time))) AS maxSeconds FROM system.parts WHERE ${where})`
  );
}

/** Reads one probe answer: [untrusted, overlap, parts, maxSeconds]. */
export function probeResult(row: readonly unknown[] | undefined): PartsProbeResult {
  const [untrusted, overlap, parts, maxSeconds] = (row ?? [0, 0, 0, 0]).map((v) => BigInt(String(v ?? 0)));
  if (parts === 0n) return { mayHoldDuplicates: false, maxTimeNs: EMPTY_TABLE_MAX_TIME_NS };
  if (untrusted! > 0n) return { mayHoldDuplicates: true, maxTimeNs: MAX_TIME_NS };
  return { mayHoldDuplicates: overlap !== 0n, maxTimeNs: (maxSeconds! + 1n) * NS_PER_SECOND - 1n };
}

export function chdbPartsProbe(session: ChdbSession): PartsProbe {
  return async (table) => probeResult((await session.query(partsProbeSql(table))).rows[0]);
}
