// Seed → fault schedule and workload parameters. Pure and deterministic: the same options and
// seed always give the same schedule (the PRNG is the only source of choice; no clock, no Math.random).
import { Prng } from '../../../src/raft/testing/prng.js';
import type { PartitionSpec } from './grudge.js';

export const FAULT_KINDS = [
  'partition-isolate', 'partition-leader', 'partition-split', 'partition-bridge', 'partition-one-way',
  'kill', 'kill-wipe', 'pause', 'clock-skew', 'slow-cpu', 'drain',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault =
  | { readonly kind: 'partition'; readonly spec: PartitionSpec }
  /** Isolates whichever node leads when the fault is installed (the target names it). */
  | { readonly kind: 'isolate-leader' }
  | { readonly kind: 'kill'; readonly node: string; readonly wipe: boolean }
  | { readonly kind: 'pause'; readonly node: string }
  | { readonly kind: 'clock-skew'; readonly node: string; readonly offsetSeconds: number }
  | { readonly kind: 'slow-cpu'; readonly node: string; readonly cpuPercent: number }
  | { readonly kind: 'drain'; readonly node: string };

export interface ScheduledFault {
  /** Install time, ms after the workload starts. */
  readonly atMs: number;
  /** Time until heal. */
  readonly durationMs: number;
  readonly fault: Fault;
}

export interface WorkloadParams {
  readonly clients: number;
  /** Target operations per second over all clients. */
  readonly opsPerSecond: number;
  readonly pointsPerWriteMax: number;
  readonly ddlRatio: number;
  readonly deleteRatio: number;
  /** Share of writes that leave the timestamp to the server (exposes clock skew). */
  readonly serverTimestampRatio: number;
  readonly opTimeoutMs: number;
  /** Seed for the clients' choices (node, op kind, sizes). */
  readonly clientSeed: number;
}

export interface Schedule {
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly kinds: readonly FaultKind[];
  /** Workload length; faults are healed before it ends. */
  readonly durationMs: number;
  readonly workload: WorkloadParams;
  readonly faults: readonly ScheduledFault[];
  /** After the final heal: how long the nodes get to converge. */
  readonly convergenceDeadlineMs: number;
}

export interface ScheduleOptions {
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly durationMs: number;
  /** Fault kinds the target supports; an empty list gives a fault-free run. */
  readonly kinds: readonly FaultKind[];
  /** Pauses last longer than this (the cluster's election timeout). */
  readonly electionTimeoutMs?: number;
  readonly faultMs?: readonly [number, number];
  readonly gapMs?: readonly [number, number];
  readonly convergenceDeadlineMs?: number;
  readonly workload?: Partial<Omit<WorkloadParams, 'clientSeed'>>;
}

const SKEWS_SECONDS = [-7200, -600, -30, -5, 5, 30, 600, 7200];

function shuffled<T>(rng: Prng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function faultFor(rng: Prng, kind: FaultKind, nodes: readonly string[]): Fault {
  const order = shuffled(rng, nodes);
  const node = order[0]!;
  switch (kind) {
    case 'partition-isolate': return { kind: 'partition', spec: { kind: 'isolate', node } };
    case 'partition-leader': return { kind: 'isolate-leader' };
    case 'partition-split': return { kind: 'partition', spec: { kind: 'split', minority: order.slice(0, Math.floor((nodes.length - 1) / 2) || 1) } };
    case 'partition-bridge': return { kind: 'partition', spec: { kind: 'bridge', order } };
    case 'partition-one-way': return { kind: 'partition', spec: { kind: 'one-way', from: node, to: order[1]! } };
    case 'kill': return { kind: 'kill', node, wipe: false };
    case 'kill-wipe': return { kind: 'kill', node, wipe: true };
    case 'pause': return { kind: 'pause', node };
    case 'clock-skew': return { kind: 'clock-skew', node, offsetSeconds: rng.pick(SKEWS_SECONDS) };
    case 'slow-cpu': return { kind: 'slow-cpu', node, cpuPercent: rng.pick([5, 10, 20]) };
    case 'drain': return { kind: 'drain', node };
  }
}

/**
 * Which kinds make sense for this many nodes: partitions need peers, a bridge three nodes; a drain
 * needs three (two must remain to hold a quorum's copies).
 */
export function kindsForNodeCount(kinds: readonly FaultKind[], nodeCount: number): FaultKind[] {
  return kinds.filter((k) => {
    if (k.startsWith('partition-')) return nodeCount >= (k === 'partition-bridge' ? 3 : 2);
    if (k === 'drain') return nodeCount >= 3;
    return true;
  });
}

export function generateSchedule(options: ScheduleOptions): Schedule {
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error(`seed must be a non-negative integer, got ${options.seed}`);
  if (options.nodes.length === 0) throw new Error('a schedule needs at least one node');
  const rng = new Prng(options.seed);
  const workloadRng = rng.fork();
  const electionTimeoutMs = options.electionTimeoutMs ?? 3_000;
  const [faultMin, faultMax] = options.faultMs ?? [3_000, 8_000];
  const [gapMin, gapMax] = options.gapMs ?? [2_000, 5_000];
  const kinds = kindsForNodeCount(options.kinds, options.nodes.length);
  const w = options.workload ?? {};
  const workload: WorkloadParams = {
    clients: w.clients ?? workloadRng.between(3, 6),
    opsPerSecond: w.opsPerSecond ?? workloadRng.between(20, 60),
    pointsPerWriteMax: w.pointsPerWriteMax ?? workloadRng.between(1, 5),
    ddlRatio: w.ddlRatio ?? 0.05,
    deleteRatio: w.deleteRatio ?? 0.05,
    serverTimestampRatio: w.serverTimestampRatio ?? 0.1,
    opTimeoutMs: w.opTimeoutMs ?? 5_000,
    clientSeed: workloadRng.nextU32(),
  };
  const faults: ScheduledFault[] = [];
  // Leave the last stretch fault-free so every fault is healed while the load still runs.
  const quietTailMs = Math.min(3_000, options.durationMs / 4);
  // A drain happens at most once per run; later faults target the nodes that remain.
  let pool: readonly string[] = options.nodes;
  let choices = kinds;
  let at = rng.between(gapMin, gapMax);
  while (choices.length > 0) {
    const kind = rng.pick(choices);
    const minimum = kind === 'pause' ? Math.max(faultMin, electionTimeoutMs + 1_000) : faultMin;
    const durationMs = rng.between(minimum, Math.max(minimum, faultMax));
    if (at + durationMs > options.durationMs - quietTailMs) break;
    const fault = faultFor(rng, kind, pool);
    faults.push({ atMs: at, durationMs, fault });
    if (fault.kind === 'drain') {
      pool = pool.filter((n) => n !== fault.node);
      choices = kindsForNodeCount(choices.filter((k) => k !== 'drain'), pool.length);
    }
    at += durationMs + rng.between(gapMin, gapMax);
  }
  return {
    seed: options.seed, nodes: [...options.nodes], kinds, durationMs: options.durationMs, workload, faults,
    convergenceDeadlineMs: options.convergenceDeadlineMs ?? 60_000,
  };
}

/** One line per fault, for logs and summaries. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'partition': return `partition ${JSON.stringify(fault.spec)}`;
    case 'isolate-leader': return 'partition: isolate the leader';
    case 'kill': return `kill -9 ${fault.node}${fault.wipe ? ' and wipe its data' : ''}`;
    case 'pause': return `SIGSTOP ${fault.node}`;
    case 'clock-skew': return `clock ${fault.offsetSeconds >= 0 ? '+' : ''}${fault.offsetSeconds}s on ${fault.node}`;
    case 'slow-cpu': return `${fault.cpuPercent}% CPU for ${fault.node}`;
    case 'drain': return `drain ${fault.node}`;
  }
}
