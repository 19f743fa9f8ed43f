// `npm run chaos -- --minutes N --seed S`: a campaign of seeded runs against a 3-to-5-node cluster
// (`--target single` for the single-node server). Exit 0 when every run passed, 1 when one failed,
// 2 when the harness cannot run here or a run was invalid.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { campaignFigures, CLUSTER_ELECTION_TIMEOUT_MS, CLUSTER_KINDS, clusterTarget, runCampaign, singleNodeTarget, SINGLE_NODE_KINDS } from './campaign.js';
import { netnsAvailability } from './netns.js';
import { FAULT_KINDS, type FaultKind } from './schedule.js';

const usage = `usage: npm run chaos -- [--minutes N] [--seed S] [--runs R] [--run-seconds T] [--target cluster|single] [--nodes 3..5] [--kinds k1,k2] [--store DIR] [--keep]
  --minutes      time budget of the campaign (default 1)
  --seed         seed of the first run; run i uses seed+i (default: from the clock, printed)
  --runs         at most this many runs (default: as many as fit the budget)
  --run-seconds  workload length of each run (default 60)
  --target       cluster (default): 3 to 5 cluster nodes; single: the single-node server
  --nodes        cluster size (default 3)
  --kinds        fault kinds (default for the cluster: all, ${CLUSTER_KINDS.join(',')};
                 for a single node: ${SINGLE_NODE_KINDS.join(',')})
  --store        where run directories go (default ${join(tmpdir(), 'hyperbytedb-chaos')})
  --keep         keep the run directories of passing runs too
Replay one run: npm run chaos -- --seed <seed> --runs 1 --run-seconds <T>`;

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' }, seed: { type: 'string' }, runs: { type: 'string' }, 'run-seconds': { type: 'string' },
      kinds: { type: 'string' }, store: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' },
      target: { type: 'string' }, nodes: { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const target = values.target ?? 'cluster';
  if (target !== 'cluster' && target !== 'single') throw new Error(`--target must be cluster or single, got ${target}\n${usage}`);
  const size = target === 'single' ? 1 : Math.floor(number(values.nodes, 'nodes', 3));
  if (target === 'cluster' && (size < 3 || size > 5)) throw new Error(`--nodes must be 3 to 5, got ${values.nodes}`);
  const kinds = (values.kinds?.split(',').filter((k) => k !== '') ?? [...(target === 'single' ? SINGLE_NODE_KINDS : CLUSTER_KINDS)]) as FaultKind[];
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0) throw new Error(`unknown fault kinds: ${unknown.join(', ')}\n${usage}`);
  const availability = await netnsAvailability();
  if (!availability.available) {
    process.stderr.write(`jepsen-lite: cannot run here: ${availability.reason}\n`);
    return 2;
  }
  const seed = Math.floor(number(values.seed, 'seed', Date.now() % 1_000_000_007));
  const log = (line: string): void => {
    process.stdout.write(line + '\n');
  };
  log(`jepsen-lite campaign: first seed ${seed}, ${target === 'single' ? 'single node' : `${size}-node cluster`}, faults ${kinds.join(',')}`);
  const results = await runCampaign({
    seed,
    budgetMs: number(values.minutes, 'minutes', 1) * 60_000,
    maxRuns: values.runs === undefined ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.floor(number(values.runs, 'runs', 1))),
    runMs: number(values['run-seconds'], 'run-seconds', 60) * 1000,
    store: values.store ?? join(tmpdir(), 'hyperbytedb-chaos'),
    keep: values.keep ?? false,
    nodes: Array.from({ length: size }, (_, i) => `n${i + 1}`),
    kinds,
    ...(target === 'cluster' ? { schedule: { electionTimeoutMs: CLUSTER_ELECTION_TIMEOUT_MS }, overheadMs: 120_000 } : {}),
    startTarget: target === 'single' ? singleNodeTarget : clusterTarget,
    log,
  });
  const passed = results.filter((r) => r.valid === true).length;
  const failed = results.filter((r) => r.valid === false);
  const invalid = results.filter((r) => r.valid === 'unknown');
  log(`jepsen-lite: ${passed} passed, ${failed.length} failed, ${invalid.length} invalid`);
  log(`figures: ${campaignFigures(results)}`);
  for (const r of [...failed, ...invalid]) log(`  seed ${r.seed}: ${r.summaryPath}`);
  return failed.length > 0 ? 1 : invalid.length > 0 ? 2 : 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`jepsen-lite: ${(error as Error).message}\n`);
  process.exit(2);
});
