// What the checkers need to know about a node, behind one small interface so the cluster can
// supply its own endpoints later. QueryProbe implements it for today's single-node server with
// plain /query statements; it reports no leader (there is no Raft in a single node).
import { createHash } from 'node:crypto';
import type { NodeClient } from './http-client.js';

export interface LeaderTerm {
  readonly term: number;
  /** The leader this node follows in `term` (itself when it leads); null when it knows none. */
  readonly leader: string | null;
}

export interface CatalogSnapshot {
  readonly databases: readonly string[];
}

export interface NodeProbe {
  readonly node: string;
  countPoints(db: string, measurement: string): Promise<number>;
  /** Every stored point's `id` field, with multiplicity (a duplicate appears twice). */
  pointIds(db: string, measurement: string): Promise<number[]>;
  /** Equal on two nodes exactly when they hold the same data and catalog. */
  digest(): Promise<string>;
  /** Null when the node has no notion of leadership. */
  leaderTerm(): Promise<LeaderTerm | null>;
  catalog(): Promise<CatalogSnapshot>;
  /** Everything the node reports about itself, saved in the run directory when a run fails. */
  evidence?(): Promise<unknown>;
}

export class ProbeError extends Error {
  constructor(node: string, what: string, reason: string) {
    super(`${node}: ${what}: ${reason}`);
    this.name = 'ProbeError';
  }
}

interface SeriesJson {
  columns: string[];
  values: unknown[][];
}

/** Every series of an answer; a series without rows (InfluxDB omits `values`) gets an empty list. */
export function seriesOf(json: unknown): SeriesJson[] {
  const results = (json as { results?: Array<{ series?: Array<Partial<SeriesJson>> }> }).results ?? [];
  return results.flatMap((r) => r.series ?? []).map((s) => ({ columns: s.columns ?? [], values: s.values ?? [] }));
}

export interface QueryProbeOptions {
  readonly client: NodeClient;
  /** Measurements folded into digest(), as [db, measurement]. */
  readonly digestOf: ReadonlyArray<readonly [string, string]>;
  readonly timeoutMs?: number;
}

export class QueryProbe implements NodeProbe {
  constructor(private readonly options: QueryProbeOptions) {}

  get node(): string {
    return this.options.client.node;
  }

  private async select(db: string, q: string): Promise<SeriesJson[]> {
    const answer = await this.options.client.query(q, { db, timeoutMs: this.options.timeoutMs ?? 30_000 });
    if (answer.outcome === 'ok') return seriesOf(answer.json);
    // A database that does not exist holds no points; the set checker judges whether it should.
    if (answer.outcome === 'fail' && /database not found/i.test(answer.error ?? '')) return [];
    throw new ProbeError(this.node, q, answer.error ?? answer.outcome);
  }

  async countPoints(db: string, measurement: string): Promise<number> {
    const series = await this.select(db, `SELECT count("id") FROM "${measurement}"`);
    return series.reduce((sum, s) => sum + s.values.reduce((n, row) => n + Number(row[1] ?? 0), 0), 0);
  }

  async pointIds(db: string, measurement: string): Promise<number[]> {
    const series = await this.select(db, `SELECT "id" FROM "${measurement}"`);
    const ids: number[] = [];
    for (const s of series) {
      const column = s.columns.indexOf('id');
      if (column < 0) throw new ProbeError(this.node, measurement, `no id column in ${JSON.stringify(s.columns)}`);
      for (const row of s.values) ids.push(Number(row[column]));
    }
    return ids;
  }

  async catalog(): Promise<CatalogSnapshot> {
    const answer = await this.options.client.query('SHOW DATABASES', { timeoutMs: this.options.timeoutMs ?? 30_000 });
    if (answer.outcome !== 'ok') throw new ProbeError(this.node, 'SHOW DATABASES', answer.error ?? answer.outcome);
    const names = seriesOf(answer.json).flatMap((s) => s.values.map((row) => String(row[0])));
    return { databases: names.sort() };
  }

  async digest(): Promise<string> {
    const hash = createHash('sha256');
    for (const [db, measurement] of this.options.digestOf) {
      const ids = (await this.pointIds(db, measurement)).sort((a, b) => a - b);
      hash.update(`${db}.${measurement}:${ids.join(',')}\n`);
    }
    hash.update(`catalog:${(await this.catalog()).databases.join(',')}\n`);
    return hash.digest('hex');
  }

  leaderTerm(): Promise<LeaderTerm | null> {
    return Promise.resolve(null);
  }
}
