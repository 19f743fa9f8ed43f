// A campaign: consecutive seeded runs (seed, seed+1, …) against fresh targets until the time budget
// or the run count is spent. Removes leftovers of dead runs first; keeps the run directory of every
// run that did not pass (and of all runs with `keep`).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeLeftoverCgroups } from './nemesis/cpu-starve.js';
import { removeLeftovers } from './netns.js';
import { runChaos, type RunResult } from './runner.js';
import { startClusterTarget } from './cluster-target.js';
import { generateSchedule, FAULT_KINDS, type FaultKind, type ScheduleOptions } from './schedule.js';
import { startSingleNodeTarget, type ChaosTarget } from './server-target.js';

export const SINGLE_NODE_KINDS: readonly FaultKind[] = ['kill', 'pause', 'clock-skew', 'slow-cpu'];
/** Every fault kind: the cluster supports them all. */
export const CLUSTER_KINDS: readonly FaultKind[] = FAULT_KINDS;
/** The cluster's Raft election timeout (cluster.raft_election_timeout's default); pauses outlast it. */
export const CLUSTER_ELECTION_TIMEOUT_MS = 1_000;

export interface CampaignOptions {
  readonly seed: number;
  readonly budgetMs: number;
  readonly maxRuns: number;
  readonly runMs: number;
  readonly store: string;
  readonly keep: boolean;
  readonly nodes: readonly string[];
  readonly kinds: readonly FaultKind[];
  readonly schedule?: Partial<Omit<ScheduleOptions, 'seed' | 'nodes' | 'durationMs' | 'kinds'>>;
  readonly startTarget: (ctx: TargetContext) => Promise<ChaosTarget>;
  readonly log: (line: string) => void;
  /** Setup, heal, convergence and teardown on top of the workload, to decide whether a run still fits. */
  readonly overheadMs?: number;
}

export interface TargetContext {
  readonly runDir: string;
  readonly clock: boolean;
  readonly opTimeoutMs: number;
  readonly clients: number;
  readonly nodes: readonly string[];
}

/** Today's single-node server (`npm run chaos -- --target single`). */
export const singleNodeTarget: CampaignOptions['startTarget'] = (ctx) =>
  startSingleNodeTarget({ runDir: ctx.runDir, clock: ctx.clock, opTimeoutMs: ctx.opTimeoutMs, connections: ctx.clients });

/** The HyperbyteDB cluster, one node per namespace (`npm run chaos`'s default). */
export const clusterTarget: CampaignOptions['startTarget'] = (ctx) =>
  startClusterTarget({ nodes: ctx.nodes, runDir: ctx.runDir, clock: ctx.clock, opTimeoutMs: ctx.opTimeoutMs, connections: ctx.clients });

export async function runCampaign(options: CampaignOptions): Promise<RunResult[]> {
  const removed = [...(await removeLeftovers()), ...removeLeftoverCgroups()];
  if (removed.length > 0) options.log(`removed leftovers of dead runs: ${removed.join(', ')}`);
  const started = Date.now();
  const results: RunResult[] = [];
  // A run takes its workload plus roughly a minute of setup, heal and final reads at worst.
  const estimateMs = options.runMs + (options.overheadMs ?? 30_000);
  for (let i = 0; i < options.maxRuns; i++) {
    if (i > 0 && Date.now() - started + estimateMs > options.budgetMs) break;
    const seed = options.seed + i;
    const schedule = generateSchedule({ ...options.schedule, seed, nodes: options.nodes, durationMs: options.runMs, kinds: options.kinds });
    const runDir = join(options.store, `${new Date().toISOString().replace(/[:.]/g, '-')}-seed-${seed}`);
    mkdirSync(runDir, { recursive: true });
    options.log(`run ${i + 1}, seed ${seed}: ${schedule.faults.length} faults, ${schedule.workload.clients} clients, ${runDir}`);
    const result = await runChaos({
      schedule, runDir, log: options.log,
      startTarget: (ctx) => options.startTarget({ ...ctx, opTimeoutMs: schedule.workload.opTimeoutMs, clients: schedule.workload.clients, nodes: options.nodes }),
    });
    results.push(result);
    const verdictText = result.valid === true ? 'PASS' : result.valid === false ? 'FAIL' : 'UNKNOWN';
    options.log(`seed ${seed}: ${verdictText}${result.harnessError ? ' (harness error)' : ''}`);
    for (const r of result.results) options.log(`  ${r.name}: ${r.valid === true ? 'ok' : r.valid === false ? 'FAIL' : 'unknown'} — ${r.summary}`);
    if (result.valid === true && !options.keep) rmSync(runDir, { recursive: true, force: true });
    else options.log(`  kept ${runDir} (summary: ${result.summaryPath})`);
  }
  return results;
}

/** The fault kind of a nemesis record's description (describeFault's wording). */
export function faultLabel(description: string): string {
  if (description.startsWith('partition: isolate the leader')) return 'partition-leader';
  const partition = /^partition \{"kind":"([a-z-]+)"/.exec(description);
  if (partition) return `partition-${partition[1]}`;
  if (description.startsWith('kill -9 ')) return description.includes('wipe') ? 'kill-wipe' : 'kill';
  if (description.startsWith('SIGSTOP ')) return 'pause';
  if (description.startsWith('clock ')) return 'clock-skew';
  if (description.includes('% CPU for ')) return 'slow-cpu';
  if (description.startsWith('drain ')) return 'drain';
  return description;
}

/**
 * A campaign's figures in one line: runs, faults installed by kind, acknowledged writes, points
 * lost, duplicated or phantom on some node, and how long the nodes took to converge after the heal.
 */
export function campaignFigures(results: readonly RunResult[]): string {
  const faults = new Map<string, number>();
  let installed = 0;
  let skippedOrHalf = 0;
  let ackedWrites = 0;
  let ackedIds = 0;
  const wrong = { lost: 0, duplicates: 0, phantoms: 0 };
  let drains = 0;
  const convergedMs: number[] = [];
  let notConverged = 0;
  for (const r of results) {
    for (const n of r.nemesis) {
      if (n.phase !== 'install') continue;
      if (n.status !== 'installed') {
        skippedOrHalf++;
        continue;
      }
      installed++;
      const kind = faultLabel(n.fault);
      faults.set(kind, (faults.get(kind) ?? 0) + 1);
      if (kind === 'drain') drains++;
    }
    ackedWrites += r.workload?.counts['write:ok'] ?? 0;
    const set = r.results.find((c) => c.name === 'set:chaos');
    ackedIds += Number(set?.details['okIds'] ?? 0);
    for (const node of (set?.details['nodes'] as Array<{ lost: number; duplicates: number; phantoms: number }> | undefined) ?? []) {
      wrong.lost += node.lost;
      wrong.duplicates += node.duplicates;
      wrong.phantoms += node.phantoms;
    }
    const convergence = r.results.find((c) => c.name === 'convergence');
    const afterHealMs = convergence?.details['afterHealMs'];
    if (typeof afterHealMs === 'number') convergedMs.push(afterHealMs);
    else if (convergence !== undefined) notConverged++;
  }
  const byKind = [...faults].sort().map(([k, n]) => `${k} ${n}`).join(', ');
  const sorted = [...convergedMs].sort((a, b) => a - b);
  const seconds = (ms: number | undefined): string => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const convergence = sorted.length === 0 ? 'no run converged' :
    `converged after heal in median ${seconds(sorted[Math.floor((sorted.length - 1) / 2)])}, max ${seconds(sorted.at(-1))}` +
    (notConverged > 0 ? `; ${notConverged} runs did not converge` : '');
  return `${results.length} runs (${results.filter((r) => r.valid === true).length} passed), ${installed} faults installed (${byKind}; ${drains} drains completed), ` +
    `${skippedOrHalf} skipped or indeterminate, ${ackedWrites} acknowledged writes (${ackedIds} point ids), ` +
    `lost on some node: ${wrong.lost}, duplicated: ${wrong.duplicates}, phantoms: ${wrong.phantoms}; ${convergence}`;
}
