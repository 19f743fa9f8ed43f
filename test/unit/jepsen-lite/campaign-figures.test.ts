// The campaign's closing line: faults by kind, acknowledged points, points lost, duplicated or
// phantom on some node, and the convergence time after the heal (median and max over runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { campaignFigures } from '../../jepsen-lite/chaos/campaign.js';
import type { RunResult } from '../../jepsen-lite/chaos/runner.js';

function run(seed: number, nodes: Array<{ lost: number; duplicates: number; phantoms: number }>, afterHealMs: number | null): RunResult {
  return {
    seed,
    valid: nodes.every((n) => n.lost + n.duplicates + n.phantoms === 0) && afterHealMs !== null,
    runDir: '/nonexistent',
    summaryPath: '/nonexistent/summary.md',
    harnessError: null,
    workload: { counts: { 'write:ok': 10 }, stoppedEarly: null },
    nemesis: [
      { atMs: 1, phase: 'install', fault: 'kill -9 n2', status: 'installed', detail: '' },
      { atMs: 2, phase: 'install', fault: 'drain n3', status: 'installed', detail: '' },
      { atMs: 3, phase: 'install', fault: 'SIGSTOP n1 for 4000 ms', status: 'skipped', detail: 'gone' },
    ],
    results: [
      { name: 'set:chaos', valid: true, summary: '', details: { okIds: 25, nodes } },
      afterHealMs === null
        ? { name: 'convergence', valid: false, summary: '', details: { last: null } }
        : { name: 'convergence', valid: true, summary: '', details: { afterHealMs } },
    ],
  };
}

test('figures add losses, duplicates and phantoms over nodes and runs, and give convergence times', () => {
  const clean = { lost: 0, duplicates: 0, phantoms: 0 };
  const line = campaignFigures([
    run(1, [clean, clean], 2_000),
    run(2, [{ lost: 2, duplicates: 1, phantoms: 0 }, { lost: 1, duplicates: 0, phantoms: 3 }], 9_000),
    run(3, [clean, clean], 4_000),
    run(4, [clean, clean], null),
  ]);
  assert.match(line, /^4 runs \(2 passed\), 8 faults installed \(drain 4, kill 4; 4 drains completed\), 4 skipped or indeterminate/);
  assert.match(line, /40 acknowledged writes \(100 point ids\), lost on some node: 3, duplicated: 1, phantoms: 3;/);
  assert.match(line, /converged after heal in median 4\.0 s, max 9\.0 s; 1 runs did not converge$/);
});
