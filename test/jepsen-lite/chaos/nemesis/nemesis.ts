// The contract every nemesis keeps: install a fault, report `installed`, `skipped` (with the
// reason) or `indeterminate` (it may be half in place), and return the heal that undoes it.
// Nemeses act only on processes, namespaces and cgroups the harness created.
import type { NetnsNetwork } from '../netns.js';

export type NemesisStatus = 'installed' | 'skipped' | 'indeterminate';

export interface NemesisOutcome {
  readonly status: NemesisStatus;
  readonly detail: string;
}

export interface InstalledFault {
  readonly outcome: NemesisOutcome;
  heal(): Promise<NemesisOutcome>;
}

/** A node process as the nemeses see it; a target adapts its own process type to this. */
export interface ControlledNode {
  readonly id: string;
  pid(): number | null;
  alive(): boolean;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Starts the node again (same id, same data dir unless wiped) and waits until it serves. */
  restart(): Promise<void>;
  /** Removes the node's data directory; only while it is down. */
  wipe(): Promise<void>;
  /** libfaketime timestamp file the node reads its clock offset from; null when started without it. */
  readonly clockFile: string | null;
}

export interface NemesisContext {
  readonly network: NetnsNetwork;
  readonly nodes: ReadonlyMap<string, ControlledNode>;
  /** TCP ports every node listens on; one-way cuts block these. */
  readonly servicePorts: readonly number[];
  /** Whether a node's data survives on its peers (kill-and-wipe is meaningless otherwise). */
  readonly replicated: boolean;
  /**
   * Drains a node to the end: `installed` once it left the cluster (nothing to heal), otherwise
   * the outcome and a heal that returns it to service (abort); null when the target has no drain.
   */
  readonly drain: ((node: string) => Promise<InstalledFault>) | null;
  /** The node that leads right now (for leader-targeted faults); null when the target has no leader. */
  readonly leader: (() => Promise<string | null>) | null;
}

export const outcome = (status: NemesisStatus, detail: string): NemesisOutcome => ({ status, detail });

export const skipped = (detail: string): InstalledFault => ({
  outcome: outcome('skipped', detail),
  heal: () => Promise.resolve(outcome('skipped', 'nothing to heal')),
});

export function nodeOf(ctx: NemesisContext, id: string): ControlledNode {
  const node = ctx.nodes.get(id);
  if (!node) throw new Error(`nemesis: unknown node ${id}`);
  return node;
}
