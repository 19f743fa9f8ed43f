// Plays one seeded schedule against a target: workload and leader sampling run while faults are
// installed and healed on time; then a final heal, convergence sampling, final reads, the
// checkers, and the run directory. Any harness exception makes the run invalid, never a pass.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkCatalog } from './checkers/catalog-checker.js';
import { verdict, type CheckResult, type Validity } from './checkers/check-result.js';
import { checkConvergence, type DigestRound } from './checkers/convergence-checker.js';
import { checkDeletes } from './checkers/delete-checker.js';
import { checkDrains } from './checkers/drain-checker.js';
import { checkLeaders, type LeaderSample } from './checkers/leader-checker.js';
import { checkSet } from './checkers/set-checker.js';
import { HistoryRecorder, pairOperations } from './history.js';
import { healEverything, installFault } from './nemesis/install.js';
import type { InstalledFault, NemesisOutcome } from './nemesis/nemesis.js';
import { writeReport, type NemesisRecord } from './report.js';
import { describeFault, type Fault, type Schedule, type ScheduledFault } from './schedule.js';
import type { NodeProbe } from './probe.js';
import type { ChaosTarget } from './server-target.js';
import { CHAOS_DB, DDL_PREFIX, DELETE_MEASUREMENT, MEASUREMENT, runWorkload, type WorkloadStats } from './workload.js';

export interface RunOptions {
  readonly schedule: Schedule;
  readonly runDir: string;
  /** Builds the target; `clock` says whether nodes must run under libfaketime. */
  readonly startTarget: (ctx: { runDir: string; clock: boolean }) => Promise<ChaosTarget>;
  readonly log?: (line: string) => void;
  /** Bound on history entries (invoke + completion lines). */
  readonly maxHistoryEntries?: number;
  readonly leaderSampleMs?: number;
}

export interface RunResult {
  readonly seed: number;
  readonly valid: Validity;
  readonly results: readonly CheckResult[];
  readonly runDir: string;
  readonly summaryPath: string;
  readonly workload: WorkloadStats | null;
  readonly nemesis: readonly NemesisRecord[];
  readonly harnessError: string | null;
}

async function withRetry<T>(what: string, deadlineMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      await sleep(500);
    }
  }
  throw new Error(`${what}: ${(last as Error | undefined)?.message ?? 'timed out'}`);
}

/** What the phases of one run share. */
interface RunState {
  readonly schedule: Schedule;
  readonly recorder: HistoryRecorder;
  readonly nemesisLog: NemesisRecord[];
  readonly leaderSamples: LeaderSample[];
  readonly rounds: DigestRound[];
  readonly departed: Set<string>;
  readonly log: (line: string) => void;
}

function record(state: RunState, phase: NemesisRecord['phase'], fault: string, outcome: NemesisOutcome): void {
  const atMs = state.recorder.nowMs();
  state.nemesisLog.push({ atMs, phase, fault, ...outcome });
  state.log(`[${(atMs / 1000).toFixed(1)}s] ${phase} ${fault}: ${outcome.status} (${outcome.detail})`);
}

/** Samples every node's (term, leader) until `signal` aborts. */
async function sampleLeaders(state: RunState, t: ChaosTarget, everyMs: number, signal: AbortSignal): Promise<void> {
  if (!t.hasLeaders) return;
  while (!signal.aborted) {
    await Promise.all(t.nodes.map(async (node) => {
      const lt = await t.probes.get(node)!.leaderTerm().catch(() => null);
      if (lt !== null) state.leaderSamples.push({ atMs: state.recorder.nowMs(), node, term: lt.term, leader: lt.leader });
    }));
    await sleep(everyMs, undefined, { signal }).catch(() => undefined);
  }
}

/** The node a fault acts on, when it acts on one node. */
function targetOf(fault: ScheduledFault['fault']): string | null {
  return 'node' in fault ? fault.node : null;
}

/**
 * Why a scheduled fault is not installed, or null: its node was drained; or it wipes a member
 * while fewer than 3 remain (after a drain): one of two voters losing its disk is a lost majority
 * of Raft's durable state, which no Raft recovers without an operator, so the wiped node waits.
 */
export function skipReason(fault: Fault, nodes: readonly string[], departed: ReadonlySet<string>): string | null {
  const target = targetOf(fault);
  if (target !== null && departed.has(target)) return `${target} was drained`;
  const remaining = nodes.length - departed.size;
  if (fault.kind === 'kill' && fault.wipe && nodes.length > 1 && remaining < 3) {
    return `only ${remaining} members remain: wiping one loses a majority of Raft's durable state`;
  }
  return null;
}

/**
 * Installs and heals each fault on time, then waits out the workload. A fault whose install or heal
 * overran (a drain, a restart that waits until the node is Active) pushes the later ones back, so
 * each keeps its gap and the load keeps its quiet tail. A fault on a drained node is skipped.
 */
async function playFaults(state: RunState, t: ChaosTarget): Promise<void> {
  const loadStart = performance.now();
  let shiftMs = 0;
  const elapsed = (): number => performance.now() - loadStart;
  const at = (ms: number): Promise<void> => sleep(Math.max(0, ms + shiftMs - elapsed()));
  for (const scheduled of state.schedule.faults) {
    await at(scheduled.atMs);
    const name = describeFault(scheduled.fault);
    const target = targetOf(scheduled.fault);
    let installed: InstalledFault;
    const skip = skipReason(scheduled.fault, t.nodes, state.departed);
    if (skip !== null) {
      installed = { outcome: { status: 'skipped', detail: skip }, heal: () => Promise.resolve({ status: 'skipped', detail: 'nothing to heal' }) };
    } else {
      try {
        installed = await installFault(t.nemesis, scheduled.fault);
      } catch (error) {
        const threw: NemesisOutcome = { status: 'indeterminate', detail: `install threw: ${(error as Error).message}` };
        installed = { outcome: threw, heal: () => Promise.resolve({ status: 'skipped', detail: 'install threw' }) };
      }
    }
    record(state, 'install', name, installed.outcome);
    if (scheduled.fault.kind === 'drain' && installed.outcome.status === 'installed') state.departed.add(scheduled.fault.node);
    await at(scheduled.atMs + scheduled.durationMs);
    record(state, 'heal', name, await installed.heal());
    const overrunMs = elapsed() - (scheduled.atMs + scheduled.durationMs + shiftMs);
    if (overrunMs > 250) {
      shiftMs += overrunMs;
      state.log(`  (${name} overran by ${(overrunMs / 1000).toFixed(1)} s; later faults and the end of the load move back)`);
    }
  }
  await at(state.schedule.durationMs);
}

/** Samples digests once a second until the remaining nodes agree or the deadline passes. */
async function awaitConvergence(state: RunState, t: ChaosTarget, remaining: readonly string[], deadlineMs: number): Promise<void> {
  for (;;) {
    const digests: Record<string, string | null> = {};
    await Promise.all(remaining.map(async (n) => {
      digests[n] = await t.probes.get(n)!.digest().catch(() => null);
    }));
    state.rounds.push({ atMs: state.recorder.nowMs(), digests });
    const values = Object.values(digests);
    if ((values.every((v) => v !== null) && new Set(values).size === 1) || state.recorder.nowMs() > deadlineMs) return;
    await sleep(1_000);
  }
}

/** Final reads of every remaining node and every checker. */
async function check(state: RunState, t: ChaosTarget, remaining: readonly string[], healedAtMs: number): Promise<CheckResult[]> {
  const read = async <T>(fn: (probe: NodeProbe) => Promise<T>): Promise<Map<string, T | null>> =>
    new Map(await Promise.all(remaining.map(async (n) =>
      [n, await withRetry(`read ${n}`, 30_000, () => fn(t.probes.get(n)!)).catch(() => null)] as const)));
  const ops = pairOperations(state.recorder.entries());
  const crashes = t.unexpectedExits();
  const healFailures = state.nemesisLog.filter((r) => r.phase !== 'install' && r.status === 'indeterminate');
  const ids = await read((p) => p.pointIds(CHAOS_DB, MEASUREMENT));
  const drained = t.nodes.filter((n) => state.departed.has(n));
  return [
    checkSet({ ops, measurement: MEASUREMENT, reads: ids }),
    ...(drained.length > 0 ? [checkDrains({ ops, measurement: MEASUREMENT, drained, reads: ids })] : []),
    checkDeletes({ ops, measurement: DELETE_MEASUREMENT, reads: await read((p) => p.pointIds(CHAOS_DB, DELETE_MEASUREMENT)) }),
    checkCatalog({ ops, managedPrefix: DDL_PREFIX, catalogs: await read(async (p) => (await p.catalog()).databases) }),
    checkConvergence({ rounds: state.rounds, healedAtMs, deadlineMs: state.schedule.convergenceDeadlineMs, nodes: remaining }),
    ...(t.hasLeaders ? [checkLeaders(state.leaderSamples)] : []),
    {
      name: 'nodes',
      valid: crashes.length === 0 && healFailures.length === 0,
      summary: `${crashes.length} unexpected exits, ${healFailures.length} heals that did not take`,
      details: { crashes, healFailures },
    },
  ];
}

/** What every node reports about itself, into evidence/<node>.json (for a run that did not pass). */
async function saveEvidence(t: ChaosTarget, runDir: string): Promise<void> {
  const dir = join(runDir, 'evidence');
  mkdirSync(dir, { recursive: true });
  await Promise.all(t.nodes.map(async (node) => {
    const probe = t.probes.get(node)!;
    if (!probe.evidence) return;
    const evidence = await probe.evidence().catch((error: unknown) => ({ error: (error as Error).message }));
    writeFileSync(join(dir, `${node}.json`), JSON.stringify(evidence, null, 2));
  }));
}

/** Load, faults, heal, convergence, checks: everything that needs the live target. */
async function exercise(state: RunState, t: ChaosTarget, options: RunOptions): Promise<{ results: CheckResult[]; workload: WorkloadStats }> {
  const first = t.clients.get(t.nodes[0]!)!;
  await withRetry(`CREATE DATABASE ${CHAOS_DB}`, 60_000, async () => {
    const answer = await first.query(`CREATE DATABASE "${CHAOS_DB}"`, { method: 'POST' });
    if (answer.outcome !== 'ok') throw new Error(answer.error ?? answer.outcome);
  });
  const stopLoad = new AbortController();
  const stopSampling = new AbortController();
  const sampler = sampleLeaders(state, t, options.leaderSampleMs ?? 500, stopSampling.signal);
  const load = runWorkload({
    params: state.schedule.workload, clients: t.clients, recorder: state.recorder, signal: stopLoad.signal,
    targets: () => t.nodes.filter((n) => !state.departed.has(n)),
    timeBaseNs: BigInt(Date.now()) * 1_000_000n,
  });
  let workload: WorkloadStats;
  let healedAtMs: number;
  try {
    try {
      await playFaults(state, t);
    } finally {
      stopLoad.abort();
      workload = await load;
    }
    for (const outcome of await healEverything(t.nemesis, state.departed)) record(state, 'final-heal', 'all', outcome);
    healedAtMs = state.recorder.nowMs();
  } finally {
    stopSampling.abort();
    await sampler;
  }
  const remaining = t.nodes.filter((n) => !state.departed.has(n));
  await awaitConvergence(state, t, remaining, healedAtMs + state.schedule.convergenceDeadlineMs);
  const results = await check(state, t, remaining, healedAtMs);
  if (verdict(results) !== true) await saveEvidence(t, options.runDir);
  return { results, workload };
}

export async function runChaos(options: RunOptions): Promise<RunResult> {
  const { schedule, runDir } = options;
  const state: RunState = {
    schedule, log: options.log ?? ((): void => undefined),
    recorder: new HistoryRecorder({ path: join(runDir, 'history.jsonl'), maxEntries: options.maxHistoryEntries ?? 400_000 }),
    nemesisLog: [], leaderSamples: [], rounds: [], departed: new Set(),
  };
  writeFileSync(join(runDir, 'schedule.json'), JSON.stringify(schedule, null, 2));
  let results: CheckResult[] = [];
  let workload: WorkloadStats | null = null;
  let harnessError: string | null = null;
  let target: ChaosTarget | null = null;
  try {
    target = await options.startTarget({ runDir, clock: schedule.faults.some((f) => f.fault.kind === 'clock-skew') });
    ({ results, workload } = await exercise(state, target, options));
  } catch (error) {
    harnessError = (error as Error).stack ?? String(error);
    state.log(`harness error: ${harnessError}`);
  }
  await state.recorder.close().catch(() => undefined);
  const tails = new Map((target?.nodes ?? []).map((n) => [n, target!.logTail(n, 60)]));
  await target?.destroy().catch((error: unknown) => {
    harnessError ??= `teardown: ${(error as Error).message}`;
  });
  writeFileSync(join(runDir, 'leaders.jsonl'), state.leaderSamples.map((s) => JSON.stringify(s)).join('\n'));
  writeFileSync(join(runDir, 'digests.jsonl'), state.rounds.map((r) => JSON.stringify(r)).join('\n'));
  const summaryPath = writeReport({ runDir, schedule, results, nemesis: state.nemesisLog, workload, harnessError, logTails: tails });
  // A harness failure proves nothing either way: the run is invalid, which is never a pass.
  const valid: Validity = harnessError !== null ? 'unknown' : verdict(results);
  return { seed: schedule.seed, valid, results, runDir, summaryPath, workload, nemesis: state.nemesisLog, harnessError };
}
