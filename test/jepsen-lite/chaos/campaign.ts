// A campaign: consecutive seeded runs (seed, seed+1, …) against fresh targets until the time budget
// or the run count is spent. Removes leftovers of dead runs first; keeps the run directory of every
// run that did not pass (and of all runs with `keep`).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeLeftoverCgroups } from './nemesis/cpu-starve.js';
import { removeLeftovers } from './netns.js';
import { runChaos, type RunResult } from './runner.js';
import { generateSchedule, type FaultKind, type ScheduleOptions } from './schedule.js';
import { startSingleNodeTarget, type ChaosTarget } from './server-target.js';

export const SINGLE_NODE_KINDS: readonly FaultKind[] = ['kill', 'pause', 'clock-skew', 'slow-cpu'];

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
  readonly startTarget: (ctx: { runDir: string; clock: boolean; opTimeoutMs: number; clients: number }) => Promise<ChaosTarget>;
  readonly log: (line: string) => void;
}

/** The target `npm run chaos` uses until the cluster exists. */
export const singleNodeTarget: CampaignOptions['startTarget'] = (ctx) =>
  startSingleNodeTarget({ runDir: ctx.runDir, clock: ctx.clock, opTimeoutMs: ctx.opTimeoutMs, connections: ctx.clients });

export async function runCampaign(options: CampaignOptions): Promise<RunResult[]> {
  const removed = [...(await removeLeftovers()), ...removeLeftoverCgroups()];
  if (removed.length > 0) options.log(`removed leftovers of dead runs: ${removed.join(', ')}`);
  const started = Date.now();
  const results: RunResult[] = [];
  // A run takes its workload plus roughly a minute of setup, heal and final reads at worst.
  const estimateMs = options.runMs + 30_000;
  for (let i = 0; i < options.maxRuns; i++) {
    if (i > 0 && Date.now() - started + estimateMs > options.budgetMs) break;
    const seed = options.seed + i;
    const schedule = generateSchedule({ ...options.schedule, seed, nodes: options.nodes, durationMs: options.runMs, kinds: options.kinds });
    const runDir = join(options.store, `${new Date().toISOString().replace(/[:.]/g, '-')}-seed-${seed}`);
    mkdirSync(runDir, { recursive: true });
    options.log(`run ${i + 1}, seed ${seed}: ${schedule.faults.length} faults, ${schedule.workload.clients} clients, ${runDir}`);
    const result = await runChaos({
      schedule, runDir, log: options.log,
      startTarget: (ctx) => options.startTarget({ ...ctx, opTimeoutMs: schedule.workload.opTimeoutMs, clients: schedule.workload.clients }),
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
