// What the checkers read of one cluster node, from that node alone: its own copy of the points
// (/query answers from the local store), its sync manifest (per-origin WAL watermarks, catalog
// index and digest, per-table data digests) and its view of the Raft leader and term.
import type { NodeClient } from './http-client.js';
import { CHAOS_DB, DELETE_MEASUREMENT, MEASUREMENT } from './workload.js';
import { ProbeError, QueryProbe, type CatalogSnapshot, type LeaderTerm, type NodeProbe } from './probe.js';

/** The parts of `/internal/sync/manifest?data_digest=1` the probe folds into a digest. */
export interface ManifestDigestParts {
  readonly origins?: Readonly<Record<string, { readonly watermark: number }>>;
  readonly catalog?: { readonly applied_index: number; readonly digest: string };
  readonly databases?: ReadonlyArray<{ readonly name: string }>;
  readonly data_digest?: ReadonlyArray<{ readonly db: string; readonly rp: string; readonly measurement: string; readonly rows: number; readonly hash: string }>;
}

/**
 * A readable digest: equal on two nodes exactly when they hold the same watermark for every
 * origin, the same catalog (index and content) and the same merged rows in every table. Kept as
 * text so a summary shows which part differs. Pure.
 */
export function manifestDigest(manifest: ManifestDigestParts): string {
  if (!manifest.origins || !manifest.catalog || !manifest.data_digest) throw new Error('manifest lacks origins, catalog or data_digest');
  const origins = Object.entries(manifest.origins).map(([o, p]) => `${o}=${p.watermark}`).sort();
  const tables = manifest.data_digest
    // An empty table (created by a write that was dropped, or wiped by a delete) equals a missing one.
    .filter((t) => t.rows > 0)
    .map((t) => `${t.db}.${t.rp}.${t.measurement}=${t.rows}:${t.hash}`).sort();
  return `wm ${origins.join(',')} | catalog ${manifest.catalog.applied_index}:${manifest.catalog.digest.slice(-12)} | data ${tables.join(',')}`;
}

interface LeaderJson {
  readonly leader_id?: string | null;
  readonly term?: number;
}

export class ClusterProbe implements NodeProbe {
  private readonly points: QueryProbe;

  constructor(private readonly client: NodeClient, private readonly timeoutMs = 30_000) {
    this.points = new QueryProbe({ client, digestOf: [], timeoutMs });
  }

  get node(): string {
    return this.client.node;
  }

  countPoints(db: string, measurement: string): Promise<number> {
    return this.points.countPoints(db, measurement);
  }

  pointIds(db: string, measurement: string): Promise<number[]> {
    return this.points.pointIds(db, measurement);
  }

  private async manifest(withData: boolean): Promise<ManifestDigestParts> {
    const answer = await this.client.getJson(`/internal/sync/manifest${withData ? '?data_digest=1' : ''}`, this.timeoutMs);
    if (answer.outcome !== 'ok') throw new ProbeError(this.node, 'manifest', answer.error ?? answer.outcome);
    return answer.json as ManifestDigestParts;
  }

  async digest(): Promise<string> {
    return manifestDigest(await this.manifest(true));
  }

  /** The catalog as the node's manifest reports it (readable while it is Joining or Syncing). */
  async catalog(): Promise<CatalogSnapshot> {
    const manifest = await this.manifest(false);
    if (!manifest.databases) throw new ProbeError(this.node, 'manifest', 'no databases');
    return { databases: manifest.databases.map((d) => d.name).sort() };
  }

  async evidence(): Promise<unknown> {
    const get = async (path: string): Promise<unknown> => {
      const answer = await this.client.getJson(path, this.timeoutMs);
      return answer.outcome === 'ok' ? answer.json : { error: answer.error ?? answer.outcome };
    };
    return {
      manifest: await get('/internal/sync/manifest?data_digest=1'),
      nodes: await get('/cluster/nodes'),
      metrics: await get('/cluster/metrics'),
      health: await get('/health'),
      // Every stored row as the node answers it, to tell which rows differ when digests do.
      rows: await this.client.query(`SELECT * FROM "${MEASUREMENT}", "${DELETE_MEASUREMENT}"`, { db: CHAOS_DB, timeoutMs: this.timeoutMs }).then((a) => a.json ?? a.error),
    };
  }

  async leaderTerm(): Promise<LeaderTerm | null> {
    const answer = await this.client.getJson('/cluster/leader', 2_000);
    if (answer.outcome !== 'ok') throw new ProbeError(this.node, '/cluster/leader', answer.error ?? answer.outcome);
    const json = answer.json as LeaderJson;
    if (typeof json.term !== 'number') throw new ProbeError(this.node, '/cluster/leader', `no term in ${JSON.stringify(json)}`);
    return { term: json.term, leader: json.leader_id ?? null };
  }
}
