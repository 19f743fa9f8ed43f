// The leader's anti-entropy round, every sync interval: reads every member's manifest, exports the
// lag per node and origin, and sends each lagging node (with the current term) the pulls or the
// full copy it needs. Only the Raft leader runs it; a stale leader's orders are refused by term.

import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Service } from '../../core/service.js';
import type { PeerClient } from '../peer-client.js';
import { lagKey, planSync, type SyncManifest, type SyncOrder } from './manifest.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface SyncMonitorDeps {
  readonly nodeId: string;
  readonly client: PeerClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SyncMetrics;
  readonly isLeader: () => boolean;
  readonly term: () => number;
  /** Members to compare, with their HTTP address (this node included). */
  readonly members: () => ReadonlyArray<{ readonly id: string; readonly httpAddress: string | null }>;
  /** This node's own manifest, without a request. */
  readonly localManifest: () => Promise<SyncManifest>;
  /** Carries out an order for the leader itself (it is lagging too). */
  readonly onSelfOrder: (body: { term: number; pulls?: Array<{ origin: string; from_seq: number; source: string }>; full?: { source: string } }) => unknown;
  /** Called each round with the plan (joins, promotions, tests). */
  readonly onRound?: (orders: readonly SyncOrder[]) => Promise<void> | void;
}

export class SyncMonitor implements Service {
  readonly name = 'sync-monitor';
  private cancel: (() => void) | null = null;
  private round: Promise<void> = Promise.resolve();
  private running = false;
  private previousLag = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly deps: SyncMonitorDeps,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancel?.();
    this.cancel = null;
    await this.round;
  }

  /** One round now (tests, and the drain's wait). */
  runOnce(): Promise<void> {
    this.round = this.round.then(() => this.roundOnce()).catch((error: unknown) => this.deps.log.warn({ err: error }, 'sync round failed'));
    return this.round;
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancel = this.deps.clock.setTimer(this.intervalMs, () => {
      this.cancel = null;
      void this.runOnce().finally(() => this.schedule());
    });
  }

  private async roundOnce(): Promise<void> {
    const { deps } = this;
    if (!deps.isLeader()) {
      this.previousLag.clear();
      deps.metrics.originLag.reset();
      return;
    }
    const term = deps.term();
    const manifests: SyncManifest[] = [await deps.localManifest()];
    const addresses = new Map<string, string>();
    await Promise.all(
      deps.members().map(async (member) => {
        if (member.id === deps.nodeId || member.httpAddress === null) return;
        addresses.set(member.id, member.httpAddress);
        try {
          const body = await deps.client.requestOk(member.httpAddress, { method: 'GET', path: '/internal/sync/manifest' });
          manifests.push(JSON.parse(body.toString('utf8')) as SyncManifest);
        } catch {
          // unreachable this round: nothing to plan for it
        }
      }),
    );
    const plan = planSync(manifests, deps.nodeId, this.previousLag);
    deps.metrics.originLag.reset();
    this.previousLag = new Map();
    for (const lag of plan.lag) {
      deps.metrics.originLag.set({ node: lag.node, origin: lag.origin }, lag.entries);
      this.previousLag.set(lagKey(lag.node, lag.origin), lag.entries);
    }
    for (const node of plan.catalogMismatches) {
      deps.metrics.catalogMismatches.inc({ node });
      deps.log.error({ node }, 'a node holds another catalog at the same applied index; it needs attention (its catalog digest differs from the leader\'s)');
    }
    for (const [node, orders] of groupByNode(plan.orders)) {
      const address = node === deps.nodeId ? null : addresses.get(node);
      if (address === undefined) continue;
      const full = orders.find((o): o is Extract<SyncOrder, { kind: 'full' }> => o.kind === 'full');
      const body = full
        ? { term, full: { source: full.source } }
        : { term, pulls: orders.filter((o): o is Extract<SyncOrder, { kind: 'pull' }> => o.kind === 'pull').map((o) => ({ origin: o.origin, from_seq: o.fromSeq, source: o.source })) };
      try {
        if (address === null) deps.onSelfOrder(body);
        else await deps.client.requestOk(address, { method: 'POST', path: '/internal/sync/trigger', body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' });
        for (const order of orders) deps.metrics.ordersSent.inc({ kind: order.kind });
        deps.log.info({ node, orders: full ? 'full copy' : orders.length + ' pulls' }, 'sync order sent');
      } catch (error) {
        deps.log.warn({ node, err: error instanceof Error ? error.message : String(error) }, 'sync order not delivered');
      }
    }
    await deps.onRound?.(plan.orders);
  }
}

function groupByNode(orders: readonly SyncOrder[]): Map<string, SyncOrder[]> {
  const out = new Map<string, SyncOrder[]>();
  for (const order of orders) {
    let list = out.get(order.node);
    if (!list) out.set(order.node, (list = []));
    list.push(order);
  }
  return out;
}
