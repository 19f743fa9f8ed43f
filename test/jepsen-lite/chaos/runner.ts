// Plays one seeded schedule against a target: workload and leader sampling run while faults are
// installed and healed on time; then a final heal, convergence sampling, final reads, the
// checkers, and the run directory. Any harness exception makes the run invalid, never a pass.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkCatalog } from './checkers/catalog-checker.js';
import { verdict, type CheckResult, type Validity } from './checkers/check-result.js';
import { checkConvergence, type DigestRound } from './checkers/convergence-checker.js';
import { checkDeletes } from './checkers/delete-checker.js';
import { checkLeaders, type LeaderSample } from './checkers/leader-checker.js';
import { checkSet } from './checkers/set-checker.js';
import { HistoryRecorder, pairOperations } from './history.js';
import { healEverything, installFault } from './nemesis/install.js';
import type { InstalledFault, NemesisOutcome } from './nemesis/nemesis.js';
import { writeReport, type NemesisRecord } from './report.js';
import { describeFault, type Schedule } from './schedule.js';
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

export async function runChaos(options: RunOptions): Promise<RunResult> {
  const { schedule, runDir } = options;
  const log = options.log ?? ((): void => undefined);
  const clock = schedule.faults.some((f) => f.fault.kind === 'clock-skew');
  const recorder = new HistoryRecorder({ path: join(runDir, 'history.jsonl'), maxEntries: options.maxHistoryEntries ?? 400_000 });
  const nemesisLog: NemesisRecord[] = [];
  const leaderSamples: LeaderSample[] = [];
  const rounds: DigestRound[] = [];
  const results: CheckResult[] = [];
  const departed = new Set<string>();
  let workload: WorkloadStats | null = null;
  let harnessError: string | null = null;
  let target: ChaosTarget | null = null;
  let summaryPath = '';
  const record = (phase: NemesisRecord['phase'], fault: string, outcome: NemesisOutcome): void => {
    nemesisLog.push({ atMs: recorder.nowMs(), phase, fault, ...outcome });
    log(`[${(recorder.nowMs() / 1000).toFixed(1)}s] ${phase} ${fault}: ${outcome.status} (${outcome.detail})`);
  };
  writeFileSync(join(runDir, 'schedule.json'), JSON.stringify(schedule, null, 2));

  try {
    target = await options.startTarget({ runDir, clock });
    const t = target;
    const first = t.clients.get(t.nodes[0]!)!;
    await withRetry('CREATE DATABASE chaos', 60_000, async () => {
      const answer = await first.query(`CREATE DATABASE "${CHAOS_DB}"`, { method: 'POST' });
      if (answer.outcome !== 'ok') throw new Error(answer.error ?? answer.outcome);
    });

    const stopLoad = new AbortController();
    const stopSampling = new AbortController();
    const sampler = (async () => {
      if (!t.hasLeaders) return;
      while (!stopSampling.signal.aborted) {
        await Promise.all(t.nodes.map(async (node) => {
          const lt = await t.probes.get(node)!.leaderTerm().catch(() => null);
          if (lt !== null) leaderSamples.push({ atMs: recorder.nowMs(), node, term: lt.term, leader: lt.leader });
        }));
        await sleep(options.leaderSampleMs ?? 500, undefined, { signal: stopSampling.signal }).catch(() => undefined);
      }
    })();
    const load = runWorkload({
      params: schedule.workload, clients: t.clients, recorder, signal: stopLoad.signal,
      targets: () => t.nodes.filter((n) => !departed.has(n)),
      timeBaseNs: BigInt(Date.now()) * 1_000_000n,
    });
    const loadStart = performance.now();
    const at = (ms: number): Promise<void> => sleep(Math.max(0, ms - (performance.now() - loadStart)));
    try {
      for (const scheduled of schedule.faults) {
        await at(scheduled.atMs);
        const name = describeFault(scheduled.fault);
        let installed: InstalledFault;
        try {
          installed = await installFault(t.nemesis, scheduled.fault);
        } catch (error) {
          installed = { outcome: { status: 'indeterminate', detail: (error as Error).message }, heal: () => Promise.resolve({ status: 'skipped', detail: 'install threw' }) };
        }
        record('install', name, installed.outcome);
        if (scheduled.fault.kind === 'drain' && installed.outcome.status === 'installed') departed.add(scheduled.fault.node);
        await at(scheduled.atMs + scheduled.durationMs);
        record('heal', name, await installed.heal());
      }
      await at(schedule.durationMs);
    } finally {
      stopLoad.abort();
      workload = await load;
    }
    for (const outcome of await healEverything(t.nemesis, departed)) record('final-heal', 'all', outcome);
    const healedAtMs = recorder.nowMs();
    stopSampling.abort();
    await sampler;

    const remaining = t.nodes.filter((n) => !departed.has(n));
    const deadline = healedAtMs + schedule.convergenceDeadlineMs;
    for (;;) {
      const digests: Record<string, string | null> = {};
      await Promise.all(remaining.map(async (n) => {
        digests[n] = await t.probes.get(n)!.digest().catch(() => null);
      }));
      rounds.push({ atMs: recorder.nowMs(), digests });
      const values = Object.values(digests);
      if ((values.every((v) => v !== null) && new Set(values).size === 1) || recorder.nowMs() > deadline) break;
      await sleep(1_000);
    }

    const read = async <T>(fn: (node: string) => Promise<T>): Promise<Map<string, T | null>> =>
      new Map(await Promise.all(remaining.map(async (n) => [n, await withRetry(`read ${n}`, 30_000, () => fn(n)).catch(() => null)] as const)));
    const ops = pairOperations(recorder.entries());
    results.push(checkSet({ ops, measurement: MEASUREMENT, reads: await read((n) => t.probes.get(n)!.pointIds(CHAOS_DB, MEASUREMENT)) }));
    results.push(checkDeletes({ ops, measurement: DELETE_MEASUREMENT, reads: await read((n) => t.probes.get(n)!.pointIds(CHAOS_DB, DELETE_MEASUREMENT)) }));
    const catalogs = await read(async (n) => (await t.probes.get(n)!.catalog()).databases);
    results.push(checkCatalog({ ops, managedPrefix: DDL_PREFIX, catalogs }));
    results.push(checkConvergence({ rounds, healedAtMs, deadlineMs: schedule.convergenceDeadlineMs, nodes: remaining }));
    if (t.hasLeaders) results.push(checkLeaders(leaderSamples));
    const crashes = t.unexpectedExits();
    const healFailures = nemesisLog.filter((r) => r.phase !== 'install' && r.status === 'indeterminate');
    results.push({
      name: 'nodes',
      valid: crashes.length === 0 && healFailures.length === 0,
      summary: `${crashes.length} unexpected exits, ${healFailures.length} heals that did not take`,
      details: { crashes, healFailures },
    });
  } catch (error) {
    harnessError = (error as Error).stack ?? String(error);
    log(`harness error: ${harnessError}`);
  } finally {
    await recorder.close().catch(() => undefined);
    const tails = new Map((target?.nodes ?? []).map((n) => [n, target!.logTail(n, 60)]));
    await target?.destroy().catch((error: unknown) => {
      harnessError ??= `teardown: ${(error as Error).message}`;
    });
    writeFileSync(join(runDir, 'leaders.jsonl'), leaderSamples.map((s) => JSON.stringify(s)).join('\n'));
    writeFileSync(join(runDir, 'digests.jsonl'), rounds.map((r) => JSON.stringify(r)).join('\n'));
    target = null;
    summaryPath = writeReport({ runDir, schedule, results, nemesis: nemesisLog, workload, harnessError, logTails: tails });
  }
  // A harness failure proves nothing either way: the run is invalid, which is never a pass.
  const valid: Validity = harnessError !== null ? 'unknown' : verdict(results);
  return { seed: schedule.seed, valid, results, runDir, summaryPath, workload, nemesis: nemesisLog, harnessError };
}
