// InfluxDB 1.x's monitor in its shapes, with HyperbyteDB's own figures: the statistics of SHOW
// STATS and /debug/vars (module name, tags, values), the diagnostics of SHOW DIAGNOSTICS. The
// engine's modules are built here; other layers add theirs (httpd, build) by name.

import { hostname } from 'node:os';
import { availableParallelism } from 'node:os';
import type { Registry } from 'prom-client';
import type { SchemaView } from '../meta/schema-view.js';
import { qualifiedTable } from '../store/naming.js';
import { formatGoDuration } from '../query/language/duration.js';
import { formatRfc3339Nano } from '../query/language/time-literal.js';
import type { QueryTracker } from '../query/execute/query-tracker.js';

/** One statistic: `name` is the module (SHOW STATS FOR 'name'), values are integers or floats. */
export interface Statistic {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, number | bigint>>;
}

/** One diagnostic module: its columns (sorted, as 1.x prints them) and one row. */
export interface Diagnostic {
  readonly name: string;
  readonly columns: readonly string[];
  readonly row: readonly unknown[];
}

export interface MonitorDeps {
  readonly registry: Registry;
  readonly queries: QueryTracker;
  readonly schema: () => SchemaView;
  /** Runs read-only SQL (series counts per database). */
  readonly runSql: (sql: string) => Promise<{ readonly rows: ReadonlyArray<readonly unknown[]> }>;
  /** Moves acknowledged writes into the tables the series are counted in. */
  readonly flush: () => Promise<void>;
  readonly startedAtMs: number;
  readonly nowMs: () => number;
}

/** How long per-database series counts are reused (Telegraf polls /debug/vars every 10 s). */
const SERIES_COUNT_TTL_MS = 5_000;

export class Monitor {
  private readonly statisticSources = new Map<string, () => Promise<Statistic[]> | Statistic[]>();
  private readonly diagnosticSources = new Map<string, () => Diagnostic>();
  private seriesCache: { readonly atMs: number; readonly counts: Promise<Map<string, number>> } | undefined;

  constructor(private readonly deps: MonitorDeps) {}

  /** Adds (or replaces) a module of statistics, e.g. the HTTP layer's `httpd`. */
  addStatistics(name: string, source: () => Promise<Statistic[]> | Statistic[]): void {
    this.statisticSources.set(name, source);
  }

  /** Adds (or replaces) a diagnostic module, e.g. `build`. */
  addDiagnostic(name: string, source: () => Diagnostic): void {
    this.diagnosticSources.set(name, source);
  }

  get startedAtMs(): number {
    return this.deps.startedAtMs;
  }

  async statistics(): Promise<Statistic[]> {
    const out: Statistic[] = [runtimeStatistic(await this.metricValue('nodejs_gc_duration_seconds'))];
    const q = this.deps.queries.stats();
    out.push({ name: 'queryExecutor', tags: {}, values: { queriesActive: q.queriesActive, queriesExecuted: q.queriesExecuted, queriesFinished: q.queriesFinished, queryDurationNs: q.queryDurationNs, recoveredPanics: 0 } });
    out.push(...(await this.databaseStatistics()));
    const writeReq = await this.counter('hyperbytedb_write_requests_total');
    const writeErr = await this.counter('hyperbytedb_write_errors_total');
    out.push({ name: 'write', tags: {}, values: { pointReq: await this.counter('hyperbytedb_ingestion_points_total'), req: writeReq, writeError: writeErr, writeOk: Math.max(0, writeReq - writeErr) } });
    for (const source of this.statisticSources.values()) out.push(...(await source()));
    return out;
  }

  diagnostics(): Diagnostic[] {
    const nowMs = this.deps.nowMs();
    const out: Diagnostic[] = [...this.diagnosticSources.values()].map((source) => source());
    out.push({ name: 'network', columns: ['hostname'], row: [hostname()] });
    out.push({ name: 'runtime', columns: ['GOARCH', 'GOMAXPROCS', 'GOOS', 'version'], row: [goArch(process.arch), BigInt(availableParallelism()), process.platform, `node${process.versions.node}`] });
    out.push({
      name: 'system',
      columns: ['PID', 'currentTime', 'started', 'uptime'],
      row: [BigInt(process.pid), formatRfc3339Nano(BigInt(nowMs) * 1_000_000n), formatRfc3339Nano(BigInt(this.deps.startedAtMs) * 1_000_000n), formatGoDuration(BigInt(nowMs - this.deps.startedAtMs) * 1_000_000n)],
    });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The `database` module: measurements over every policy, and distinct series. */
  private async databaseStatistics(): Promise<Statistic[]> {
    const schema = this.deps.schema();
    const counts = await this.seriesCounts(schema);
    return schema.databaseNames().map((name) => {
      const db = schema.database(name);
      const measurements = new Set(db?.retentionPolicies.flatMap((rp) => db.measurements(rp.name).map((m) => m.name)) ?? []);
      return { name: 'database', tags: { database: name }, values: { numMeasurements: measurements.size, numSeries: counts.get(name) ?? 0 } };
    });
  }

  private seriesCounts(schema: SchemaView): Promise<Map<string, number>> {
    const now = this.deps.nowMs();
    if (this.seriesCache !== undefined && now - this.seriesCache.atMs < SERIES_COUNT_TTL_MS) return this.seriesCache.counts;
    const counts = this.countSeries(schema);
    this.seriesCache = { atMs: now, counts };
    counts.catch(() => (this.seriesCache = undefined));
    return counts;
  }

  private async countSeries(schema: SchemaView): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await this.deps.flush();
    const existing = new Set((await this.deps.runSql("SELECT concat(database, '.', name) FROM system.tables WHERE startsWith(database, 'hb_')")).rows.map((r) => String(r[0])));
    for (const name of schema.databaseNames()) {
      const db = schema.database(name);
      if (db === undefined) continue;
      const tables = db.retentionPolicies
        .flatMap((rp) => db.measurements(rp.name).map((m) => qualifiedTable(name, rp.name, m.name)))
        .filter((t) => existing.has(t.replace(/`/g, '')));
      if (tables.length === 0) continue;
      const union = tables.map((t) => `SELECT \`_series\` AS s FROM ${t}`).join(' UNION ALL ');
      const rows = (await this.deps.runSql(`SELECT uniqExact(s) FROM (${union})`)).rows;
      out.set(name, Number(rows[0]?.[0] ?? 0));
    }
    return out;
  }

  private async metricValue(name: string): Promise<{ readonly count: number; readonly sumSeconds: number }> {
    const metric = this.deps.registry.getSingleMetric(name);
    if (metric === undefined) return { count: 0, sumSeconds: 0 };
    const values = (await metric.get()).values;
    let count = 0;
    let sum = 0;
    for (const v of values) {
      const metricName = (v as { metricName?: string }).metricName ?? '';
      if (metricName.endsWith('_count')) count += v.value;
      else if (metricName.endsWith('_sum')) sum += v.value;
    }
    return { count, sumSeconds: sum };
  }

  /** A counter's total over its labels (0 when it is not registered). */
  async counter(name: string): Promise<number> {
    const metric = this.deps.registry.getSingleMetric(name);
    if (metric === undefined) return 0;
    return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
  }
}

/** Go's runtime statistics, named as 1.x's `runtime` module has them, from V8's heap. */
function runtimeStatistic(gc: { readonly count: number; readonly sumSeconds: number }): Statistic {
  const memory = process.memoryUsage();
  return {
    name: 'runtime',
    tags: {},
    values: {
      Alloc: memory.heapUsed,
      HeapAlloc: memory.heapUsed,
      HeapIdle: Math.max(0, memory.heapTotal - memory.heapUsed),
      HeapInUse: memory.heapUsed,
      HeapSys: memory.heapTotal,
      NumGC: gc.count,
      PauseTotalNs: Math.round(gc.sumSeconds * 1e9),
      Sys: memory.rss,
    },
  };
}

/** Go's GOARCH for Node's process.arch. */
function goArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'ia32':
      return '386';
    default:
      return arch;
  }
}
