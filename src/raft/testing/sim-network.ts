// Simulated network: per-message drop, duplication and random delay (hence reordering), plus
// directed link cuts for partitions (isolate, majority/minority, bridge, one-way).
// Must never deliver a message across a cut link, nor draw randomness from anything but its Prng.
import type { Message, NodeId } from '../core/types.js';
import type { Prng } from './prng.js';

export interface NetworkProfile {
  /** Per-link FIFO order, as over one TCP stream; when false, random delays reorder messages. */
  readonly fifo?: boolean;
  readonly dropRate: number;
  readonly duplicateRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

export const CALM_NETWORK: NetworkProfile = { dropRate: 0, duplicateRate: 0, minDelayMs: 1, maxDelayMs: 3 };

export type PartitionKind = 'isolate' | 'split' | 'bridge' | 'one-way';

export interface Delivery {
  readonly delayMs: number;
  readonly message: Message;
}

export class SimNetwork {
  private readonly cut = new Set<string>();
  /** FIFO mode: the latest delivery time scheduled per link, relative to `nowMs`. */
  private readonly linkBusyUntil = new Map<string, number>();
  profile: NetworkProfile;
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(private readonly rng: Prng, profile: NetworkProfile) {
    this.profile = profile;
  }

  /** What becomes of one message: zero, one or two deliveries. */
  route(m: Message, nowMs = 0): Delivery[] {
    this.sent++;
    const link = linkKey(m.from, m.to);
    if (this.cut.has(link) || this.rng.chance(this.profile.dropRate)) {
      this.dropped++;
      return [];
    }
    let delayMs = this.delay();
    if (this.profile.fifo === true) {
      const at = Math.max(nowMs + delayMs, this.linkBusyUntil.get(link) ?? 0);
      this.linkBusyUntil.set(link, at);
      delayMs = at - nowMs;
    }
    const out: Delivery[] = [{ delayMs, message: m }];
    if (this.rng.chance(this.profile.duplicateRate)) {
      this.duplicated++;
      out.push({ delayMs: this.delay() * 3, message: m });
    }
    return out;
  }

  private delay(): number {
    const { minDelayMs, maxDelayMs } = this.profile;
    return minDelayMs + this.rng.nextInt(Math.max(1, maxDelayMs - minDelayMs + 1));
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(linkKey(from, to));
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(linkKey(from, to));
  }

  /** Cuts every link between the two groups, both ways. */
  separate(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) for (const y of b) {
      if (x === y) continue;
      this.cutLink(x, y);
      this.cutLink(y, x);
    }
  }

  /** Applies a random partition of `kind` over `ids`; returns a description for traces. */
  partition(kind: PartitionKind, ids: readonly NodeId[]): string {
    const shuffled = [...ids];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as NodeId, shuffled[i] as NodeId];
    }
    if (kind === 'isolate') {
      const [lone, ...rest] = shuffled;
      if (lone !== undefined) this.separate([lone], rest);
      return `isolate ${String(lone)}`;
    }
    if (kind === 'split') {
      const minority = shuffled.slice(0, Math.floor(shuffled.length / 2));
      const majority = shuffled.slice(minority.length);
      this.separate(minority, majority);
      return `split [${minority.join(',')}] | [${majority.join(',')}]`;
    }
    if (kind === 'bridge') {
      const [bridge, ...rest] = shuffled;
      const half = rest.slice(0, Math.floor(rest.length / 2));
      this.separate(half, rest.slice(half.length));
      return `bridge ${String(bridge)} between [${half.join(',')}] and [${rest.slice(half.length).join(',')}]`;
    }
    const [from, to] = shuffled;
    if (from !== undefined && to !== undefined) this.cutLink(from, to);
    return `one-way ${String(from)} -/-> ${String(to)}`;
  }

  heal(): void {
    this.cut.clear();
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
