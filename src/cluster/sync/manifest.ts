// The sync manifest (what a node holds: WAL positions per origin, catalog index and digest, its
// schema) and the leader's plan from every node's manifest: who misses which origin's entries and
// where to pull them from, or who needs a full copy. Pure: no I/O, no clocks.

import { createHash } from 'node:crypto';
import type { Catalog } from '../../core/meta/catalog.js';
import { encodeCatalog } from '../../core/meta/catalog-store.js';

export interface OriginPosition {
  /** Every originSeq up to it is held (as an entry, or in the store after a full copy). */
  readonly watermark: number;
  /** Lowest originSeq still held as a WAL entry (null: none), i.e. what this node can serve. */
  readonly first_retained: number | null;
}

export interface TableDigest {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly rows: number;
  readonly hash: string;
}

export interface SyncManifest {
  readonly node_id: string;
  readonly state: string;
  readonly wal_last_seq: number;
  readonly wal_flushed_seq: number;
  readonly origins: Readonly<Record<string, OriginPosition>>;
  readonly catalog: { readonly applied_index: number; readonly digest: string };
  readonly databases: ReadonlyArray<{
    readonly name: string;
    readonly retention_policies: ReadonlyArray<{ readonly name: string; readonly duration: string; readonly shard_group_duration: string; readonly replication_factor: number; readonly is_default: boolean }>;
    readonly measurements: ReadonlyArray<{ readonly name: string; readonly rp: string }>;
    readonly continuous_queries: readonly unknown[];
  }>;
  readonly data_digest?: readonly TableDigest[];
}

export function catalogDigest(catalog: Catalog): string {
  return `sha256:${createHash('sha256').update(encodeCatalog(catalog)).digest('hex')}`;
}

export function manifestSchema(catalog: Catalog): SyncManifest['databases'] {
  return catalog.databaseNames().map((name) => {
    const db = catalog.database(name)!;
    return {
      name,
      retention_policies: db.retentionPolicies.map((rp) => ({
        name: rp.name,
        duration: `${rp.durationNs}ns`,
        shard_group_duration: `${rp.shardGroupDurationNs}ns`,
        replication_factor: rp.replicaN,
        is_default: rp.name === db.defaultRetentionPolicy,
      })),
      measurements: db.retentionPolicies.flatMap((rp) => db.measurements(rp.name).map((m) => ({ name: m.name, rp: rp.name }))),
      continuous_queries: [],
    };
  });
}

export type SyncOrder =
  | { readonly kind: 'pull'; readonly node: string; readonly origin: string; readonly fromSeq: number; readonly source: string }
  | { readonly kind: 'full'; readonly node: string; readonly source: string; readonly reason: string };

export interface SyncPlan {
  /** Per node and origin: entries the node misses of the most any node holds. */
  readonly lag: ReadonlyArray<{ readonly node: string; readonly origin: string; readonly entries: number }>;
  readonly orders: readonly SyncOrder[];
  /** Nodes whose catalog differs from the leader's at the same applied index (a bug: never silent). */
  readonly catalogMismatches: readonly string[];
}

/**
 * What each node should pull, given every node's manifest now and the lag seen a round ago: a
 * lag is acted on only once it is at least a round old (entries in flight through replication are
 * not pulled twice). A node misses an origin's entries past its watermark; a source must still
 * hold them from the first missing one, else the node needs a full copy.
 */
export function planSync(manifests: readonly SyncManifest[], leaderId: string, previousLag: ReadonlyMap<string, number>): SyncPlan {
  const frontier = new Map<string, number>();
  for (const m of manifests) {
    for (const [origin, position] of Object.entries(m.origins)) frontier.set(origin, Math.max(frontier.get(origin) ?? 0, position.watermark));
  }
  const lag: Array<{ node: string; origin: string; entries: number }> = [];
  const orders: SyncOrder[] = [];
  for (const m of manifests) {
    if (m.state === 'leaving' || m.state === 'joining') continue;
    let full: SyncOrder | null = null;
    const pulls: SyncOrder[] = [];
    for (const [origin, top] of frontier) {
      const mine = m.origins[origin]?.watermark ?? 0;
      const behind = top - mine;
      if (behind <= 0) continue;
      lag.push({ node: m.node_id, origin, entries: behind });
      const seenBefore = previousLag.get(lagKey(m.node_id, origin)) ?? 0;
      if (seenBefore <= 0) continue; // new lag: replication may still be delivering it
      const source = bestSource(manifests, m.node_id, origin, mine + 1);
      if (source !== null) pulls.push({ kind: 'pull', node: m.node_id, origin, fromSeq: mine + 1, source });
      else full ??= { kind: 'full', node: m.node_id, source: mostComplete(manifests, m.node_id), reason: `no node still holds ${origin} from ${mine + 1}` };
    }
    if (full !== null) orders.push(full);
    else orders.push(...pulls);
  }
  const leader = manifests.find((m) => m.node_id === leaderId);
  const catalogMismatches = leader
    ? manifests.filter((m) => m.catalog.applied_index === leader.catalog.applied_index && m.catalog.digest !== leader.catalog.digest).map((m) => m.node_id)
    : [];
  return { lag, orders, catalogMismatches };
}

export function lagKey(node: string, origin: string): string {
  return `${node}\u0000${origin}`;
}

/** A node other than `node` holding `origin` from `fromSeq` on, preferring the highest watermark. */
function bestSource(manifests: readonly SyncManifest[], node: string, origin: string, fromSeq: number): string | null {
  let best: { id: string; watermark: number } | null = null;
  for (const m of manifests) {
    if (m.node_id === node) continue;
    const position = m.origins[origin];
    if (!position || position.first_retained === null || position.first_retained > fromSeq || position.watermark < fromSeq) continue;
    if (best === null || position.watermark > best.watermark) best = { id: m.node_id, watermark: position.watermark };
  }
  return best?.id ?? null;
}

/** The node (other than `node`) holding the most entries over all origins: the source of a full copy. */
function mostComplete(manifests: readonly SyncManifest[], node: string): string {
  let best: { id: string; total: number } | null = null;
  for (const m of manifests) {
    if (m.node_id === node || m.state !== 'active') continue;
    const total = Object.values(m.origins).reduce((sum, p) => sum + p.watermark, 0);
    if (best === null || total > best.total) best = { id: m.node_id, total };
  }
  return best?.id ?? manifests.find((m) => m.node_id !== node)?.node_id ?? node;
}
