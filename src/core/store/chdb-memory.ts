// chDB's own account of its memory, read from its system tables for /metrics: what ClickHouse's
// memory tracker counts, what its jemalloc holds from the OS, and what each cache holds. Reads only.

import { Gauge, type Registry } from 'prom-client';

/** ClickHouse's caches (system.metrics names) and the label each gets in /metrics. */
export const CHDB_CACHE_METRICS: Readonly<Record<string, string>> = Object.freeze({
  MarkCacheBytes: 'mark',
  PrimaryIndexCacheBytes: 'primary_index',
  UncompressedCacheBytes: 'uncompressed',
  IndexMarkCacheBytes: 'index_mark',
  IndexUncompressedCacheBytes: 'index_uncompressed',
  QueryConditionCacheBytes: 'query_condition',
  QueryCacheBytes: 'query',
  PageCacheBytes: 'page',
  CompiledExpressionCacheBytes: 'compiled_expression',
});

/** jemalloc's totals over all arenas (malloc_stats_print's summary line), in bytes. */
export interface JemallocTotals {
  /** Bytes the program holds. */
  readonly allocated: number;
  /** Pages holding them (allocated plus fragmentation). */
  readonly active: number;
  /** Pages in RAM: active, jemalloc's metadata, and freed pages not yet given back (dirty). */
  readonly resident: number;
  /** Address space mapped. */
  readonly mapped: number;
  /** Address space kept for reuse without RAM behind it. */
  readonly retained: number;
}

export interface ChdbMemory {
  /** ClickHouse's MemoryTracking: what its allocations count (queries, merges, caches). */
  readonly trackedBytes: number;
  /** Of it, what merges and mutations hold. */
  readonly mergesTrackedBytes: number;
  /** Bytes per cache label of CHDB_CACHE_METRICS. */
  readonly caches: ReadonlyMap<string, number>;
  /** null when this chDB build has no jemalloc statistics. */
  readonly jemalloc: JemallocTotals | null;
}

export const CHDB_METRICS_SQL =
  "SELECT metric, value FROM system.metrics WHERE metric IN ('MemoryTracking', 'MergesMutationsMemoryTracking', " +
  Object.keys(CHDB_CACHE_METRICS)
    .map((name) => `'${name}'`)
    .join(', ') +
  ')';

export const CHDB_JEMALLOC_SQL = 'SELECT stats FROM system.jemalloc_stats';

const JEMALLOC_TOTALS = /^Allocated: (\d+), active: (\d+), metadata: \d+.*?, resident: (\d+), mapped: (\d+), retained: (\d+)$/m;

/** The totals line of jemalloc's malloc_stats_print output, or null if it has none. */
export function parseJemallocTotals(stats: string): JemallocTotals | null {
  const match = JEMALLOC_TOTALS.exec(stats.replaceAll('\\n', '\n'));
  if (!match) return null;
  const [, allocated, active, resident, mapped, retained] = match.map(Number) as [number, number, number, number, number, number];
  return { allocated, active, resident, mapped, retained };
}

/** Rows of CHDB_METRICS_SQL (metric, value) as ChdbMemory's tracker and cache figures. */
export function chdbMetricsFromRows(rows: ReadonlyArray<readonly unknown[]>): Omit<ChdbMemory, 'jemalloc'> {
  let trackedBytes = 0;
  let mergesTrackedBytes = 0;
  const caches = new Map<string, number>();
  for (const label of Object.values(CHDB_CACHE_METRICS)) caches.set(label, 0);
  for (const [metric, value] of rows) {
    const bytes = Number(value);
    if (metric === 'MemoryTracking') trackedBytes = bytes;
    else if (metric === 'MergesMutationsMemoryTracking') mergesTrackedBytes = bytes;
    else {
      const label = CHDB_CACHE_METRICS[String(metric)];
      if (label !== undefined) caches.set(label, bytes);
    }
  }
  return { trackedBytes, mergesTrackedBytes, caches };
}

/** Reads chDB's memory figures with `runSql` (a read connection). */
export async function readChdbMemory(runSql: (sql: string) => Promise<{ readonly rows: ReadonlyArray<readonly unknown[]> }>): Promise<ChdbMemory> {
  const metrics = chdbMetricsFromRows((await runSql(CHDB_METRICS_SQL)).rows);
  let jemalloc: JemallocTotals | null = null;
  try {
    const stats = (await runSql(CHDB_JEMALLOC_SQL)).rows[0]?.[0];
    jemalloc = typeof stats === 'string' ? parseJemallocTotals(stats) : null;
  } catch {
    // A build without jemalloc has no such table: the tracker and cache figures still stand.
  }
  return { ...metrics, jemalloc };
}

/**
 * Gauges of chDB's memory on `registry`, read once per scrape (the gauges share one read):
 * hyperbytedb_chdb_memory_tracked_bytes, hyperbytedb_chdb_cache_bytes{cache} and
 * hyperbytedb_chdb_jemalloc_bytes{kind}.
 */
export function registerChdbMemoryMetrics(registry: Registry, read: () => Promise<ChdbMemory>, nowMs: () => number): void {
  let current: { readonly atMs: number; readonly memory: Promise<ChdbMemory | null> } | undefined;
  const sample = (): Promise<ChdbMemory | null> => {
    const now = nowMs();
    if (current === undefined || now - current.atMs > 1_000) current = { atMs: now, memory: read().catch(() => null) };
    return current.memory;
  };
  const registers = [registry];
  new Gauge({
    name: 'hyperbytedb_chdb_memory_tracked_bytes',
    help: "Memory chDB's own tracker counts (ClickHouse MemoryTracking: queries, inserts, merges, caches).",
    registers,
    async collect() {
      const memory = await sample();
      if (memory) this.set(memory.trackedBytes);
    },
  });
  new Gauge({
    name: 'hyperbytedb_chdb_cache_bytes',
    help: "Bytes held by each of chDB's caches (sized by the storage.chdb_* cache settings).",
    labelNames: ['cache'],
    registers,
    async collect() {
      const memory = await sample();
      if (memory) for (const [cache, bytes] of memory.caches) this.set({ cache }, bytes);
    },
  });
  new Gauge({
    name: 'hyperbytedb_chdb_jemalloc_bytes',
    help: "chDB's jemalloc totals: allocated (in use), resident (in RAM, with freed pages not yet returned), retained (address space kept without RAM).",
    labelNames: ['kind'],
    registers,
    async collect() {
      const memory = await sample();
      if (memory?.jemalloc) for (const [kind, bytes] of Object.entries(memory.jemalloc)) this.set({ kind }, bytes);
    },
  });
}
