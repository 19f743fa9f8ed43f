// The harness end to end on today's single-node server, inside a network namespace: kill -9 and
// restart in the middle of the load, and the checkers confirm every acknowledged point is there
// with no duplicate or phantom. Then the same pipeline with a planted loss (the data dir wiped while
// the target claims replicas) must fail: the harness can tell a broken run from a good one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign, singleNodeTarget } from './chaos/campaign.js';
import { readHistory } from './chaos/history.js';
import { netnsAvailability } from './chaos/netns.js';
import { runChaos, type RunResult } from './chaos/runner.js';
import { generateSchedule, type Schedule } from './chaos/schedule.js';
import { startServerTarget, startSingleNodeTarget } from './chaos/server-target.js';

const availability = await netnsAvailability();
const skip = availability.available ? false : availability.reason;

function killSchedule(seed: number, wipe: boolean, durationMs: number): Schedule {
  const base = generateSchedule({
    seed, nodes: ['n1'], durationMs, kinds: [], convergenceDeadlineMs: 30_000,
    workload: { clients: 4, opsPerSecond: 40, opTimeoutMs: 5_000 },
  });
  return { ...base, faults: [{ atMs: 2_500, durationMs: 300, fault: { kind: 'kill', node: 'n1', wipe } }] };
}

function keepOnFailure(result: RunResult, expectPass: boolean): void {
  const passed = result.valid === true;
  if (passed === expectPass) rmSync(result.runDir, { recursive: true, force: true });
  else process.stdout.write(`# run kept for inspection: ${result.summaryPath}\n`);
}

const byName = (result: RunResult, name: string) => result.results.find((r) => r.name === name);

describe('chaos harness on the single-node server', { skip, timeout: 290_000 }, () => {
  it('kill -9 and restart mid-load: every acknowledged point survives, no duplicate, no phantom', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'hbj-single-'));
    const schedule = killSchedule(101, false, 10_000);
    const result = await runChaos({
      schedule, runDir,
      startTarget: (ctx) => startSingleNodeTarget({ runDir: ctx.runDir, clock: ctx.clock, opTimeoutMs: 5_000, connections: 4 }),
    });
    try {
      assert.equal(result.harnessError, null);
      assert.deepEqual(result.nemesis.filter((n) => n.phase !== 'final-heal').map((n) => [n.phase, n.status]), [['install', 'installed'], ['heal', 'installed']]);
      const set = byName(result, 'set:chaos')!;
      assert.equal(set.valid, true, set.summary);
      assert.ok((set.details['okIds'] as number) > 20, `too few acknowledged points to prove anything: ${set.summary}`);
      const counts = result.workload!.counts;
      assert.ok((counts['write:fail'] ?? 0) + (counts['write:unknown'] ?? 0) > 0, `the kill landed mid-load: ${JSON.stringify(counts)}`);
      for (const check of result.results) assert.equal(check.valid, true, `${check.name}: ${check.summary}`);
      assert.equal(result.valid, true);
      const history = readHistory(join(runDir, 'history.jsonl'));
      assert.equal(history.filter((e) => e.type === 'invoke').length, Object.values(counts).reduce((a, b) => a + b, 0), 'every request is in the history');
      for (const file of ['schedule.json', 'summary.md', 'results.json', 'nemesis.jsonl', 'nodes/n1.log']) assert.ok(existsSync(join(runDir, file)), file);
      assert.match(readFileSync(join(runDir, 'summary.md'), 'utf8'), /Replay: `npm run chaos -- --seed 101/);
    } finally {
      keepOnFailure(result, true);
    }
  });

  it('a planted loss (data wiped under a target that claims replicas) fails the run', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'hbj-planted-'));
    const schedule = killSchedule(102, true, 6_000);
    const result = await runChaos({
      schedule, runDir,
      startTarget: (ctx) => startServerTarget({
        nodes: ['n1'], runDir: ctx.runDir, port: 8086, clock: false, replicated: true,
        env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '1' }, opTimeoutMs: 5_000, connectionsPerNode: 4,
      }),
    });
    try {
      assert.equal(result.harnessError, null);
      assert.match(result.nemesis[0]?.detail ?? '', /data dir wiped/);
      assert.equal(result.valid, false);
      const set = byName(result, 'set:chaos')!;
      assert.equal(set.valid, false);
      const n1 = (set.details['nodes'] as Array<{ lost: number }>)[0]!;
      assert.ok(n1.lost > 0, set.summary);
      assert.match(readFileSync(result.summaryPath, 'utf8'), /set:chaos \| FAIL/);
    } finally {
      keepOnFailure(result, false);
    }
  });

  it('a short seeded campaign (clock skew, pause, CPU starvation) passes and removes its run directory', async () => {
    const store = mkdtempSync(join(tmpdir(), 'hbj-campaign-'));
    try {
      const lines: string[] = [];
      const [result] = await runCampaign({
        seed: 21, budgetMs: 60_000, maxRuns: 1, runMs: 13_000, store, keep: false, nodes: ['n1'],
        kinds: ['pause', 'clock-skew', 'slow-cpu'],
        schedule: { electionTimeoutMs: 1_000, faultMs: [2_000, 2_500], gapMs: [800, 1_500], convergenceDeadlineMs: 30_000 },
        startTarget: singleNodeTarget,
        log: (line) => lines.push(line),
      });
      assert.ok(result, lines.join('\n'));
      const installs = result.nemesis.filter((n) => n.phase === 'install');
      const kinds = installs.map((n) => (/^clock /.test(n.fault) ? 'clock' : /^SIGSTOP /.test(n.fault) ? 'pause' : /% CPU/.test(n.fault) ? 'cpu' : n.fault));
      assert.deepEqual(kinds, ['clock', 'pause', 'cpu'], `seed 21 no longer schedules these three faults: ${installs.map((n) => n.fault).join('; ')}`);
      for (const n of result.nemesis) assert.notEqual(n.status, 'indeterminate', `${n.fault}: ${n.detail}`);
      assert.equal(result.valid, true, lines.join('\n'));
      assert.equal(existsSync(result.runDir), false, 'a passing run leaves nothing behind');
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
