// Command-line runner for the Raft simulator: a seed range (campaigns) or one seed replayed verbosely.
// Must never hide a failure: a failing seed prints its replay command and the exit code is non-zero.
import { parseArgs } from 'node:util';
import { DEFAULT_LIVENESS_STEPS, DEFAULT_STEPS, runSimulation } from './simulator.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    'liveness-steps': { type: 'string' },
    nodes: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

function int(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${text}`);
  return n;
}

const steps = int(values.steps, DEFAULT_STEPS);
const livenessSteps = int(values['liveness-steps'], DEFAULT_LIVENESS_STEPS);
const nodesArg = values.nodes === undefined ? undefined : int(values.nodes, 3);
const nodes: { nodes?: 3 | 5 } = nodesArg === 3 || nodesArg === 5 ? { nodes: nodesArg } : {};
// SEED=n replays one seed verbosely (the command a failing campaign prints).
const single = values.seed ?? process.env.SEED;

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

if (single !== undefined) {
  const seed = int(single, 0);
  const result = runSimulation({ seed, steps, livenessSteps, ...nodes, ...(values.verbose || values.seed === undefined ? { trace: out } : {}) });
  out(JSON.stringify(result.stats));
  for (const v of result.violations) out(`VIOLATION ${v}`);
  out(result.ok ? `seed ${seed}: ok` : `seed ${seed}: FAILED`);
  process.exitCode = result.ok ? 0 : 1;
} else {
  const from = int(values.from, 0);
  const to = values.to !== undefined ? int(values.to, 0) : from + int(values.seeds, 1000);
  const started = performance.now();
  let failed = 0;
  let events = 0;
  let lastReport = started;
  for (let seed = from; seed < to; seed++) {
    const result = runSimulation({ seed, steps, livenessSteps, ...nodes });
    events += result.stats.events;
    if (!result.ok) {
      failed++;
      out(`seed ${seed} FAILED: ${result.violations[0] ?? ''}`);
      out(`  replay: SEED=${seed} npm run sim`);
    }
    const now = performance.now();
    if (now - lastReport > 10_000) {
      lastReport = now;
      out(`progress: ${seed + 1 - from}/${to - from} seeds, ${failed} failed, ${((now - started) / 1000).toFixed(0)}s`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  out(`seeds [${from}, ${to}): ${to - from} run, ${failed} failed, ${events} events, steps=${steps}, liveness<=${livenessSteps}, ${seconds.toFixed(1)}s`);
  process.exitCode = failed === 0 ? 0 : 1;
}
