// The chaos harness on a 3-node HyperbyteDB cluster in network namespaces: one short seeded run
// that isolates the Raft leader, then drains a node, while clients write at quorum, run DDL and
// deletes (a wiped node, kills, pauses, clock skew and the other partitions run in the campaign,
// `npm run chaos`). Every checker must pass: acknowledged points on every remaining node, no
// duplicate or phantom, deletes, DDL once with identical catalogs, convergence of watermarks and
// data digests, one leader per term, nothing lost by the drain.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_ELECTION_TIMEOUT_MS, clusterTarget, faultLabel, runCampaign } from './chaos/campaign.js';
import { netnsAvailability } from './chaos/netns.js';

const availability = await netnsAvailability();
const skip = availability.available ? false : availability.reason;

describe('chaos harness on a 3-node cluster', { skip, timeout: 240_000 }, () => {
  it('seed 5: leader isolated, then a node drained — every checker passes', async () => {
    const store = mkdtempSync(join(tmpdir(), 'hbj-cluster-'));
    const lines: string[] = [];
    try {
      const [result] = await runCampaign({
        seed: 5, budgetMs: 220_000, maxRuns: 1, runMs: 14_000, store, keep: false, nodes: ['n1', 'n2', 'n3'],
        kinds: ['partition-leader', 'drain'],
        schedule: { electionTimeoutMs: CLUSTER_ELECTION_TIMEOUT_MS, faultMs: [3_000, 4_000], gapMs: [1_500, 2_500], workload: { clients: 4, opsPerSecond: 30 } },
        startTarget: clusterTarget,
        log: (line) => lines.push(line),
      });
      const transcript = lines.join('\n');
      assert.ok(result, transcript);
      const installs = result.nemesis.filter((n) => n.phase === 'install');
      assert.deepEqual(installs.map((n) => faultLabel(n.fault)), ['partition-leader', 'drain'], `seed 5 no longer schedules these faults:\n${transcript}`);
      for (const n of result.nemesis) assert.equal(n.status === 'indeterminate', false, `${n.phase} ${n.fault}: ${n.detail}\n${transcript}`);
      assert.deepEqual(installs.map((n) => n.status), ['installed', 'installed'], transcript);
      assert.match(installs[0]!.detail, /^leader n\d isolated/);
      assert.match(installs[1]!.detail, /drained and left/);
      assert.equal(result.harnessError, null, transcript);
      for (const check of result.results) assert.equal(check.valid, true, `${check.name}: ${check.summary}\n${transcript}`);
      const names = result.results.map((r) => r.name);
      assert.deepEqual(names, ['set:chaos', 'drain', 'deletes:chaos_del', 'catalog', 'convergence', 'leaders', 'nodes']);
      const set = result.results.find((r) => r.name === 'set:chaos')!;
      assert.ok((set.details['okIds'] as number) > 100, `too few acknowledged points to prove anything: ${set.summary}`);
      assert.equal((set.details['nodes'] as unknown[]).length, 2, 'checked on the two nodes that remain after the drain');
      const leaders = result.results.find((r) => r.name === 'leaders')!;
      assert.ok((leaders.details['terms'] as number[]).length >= 2, `the isolated leader was replaced: ${leaders.summary}`);
      const counts = result.workload!.counts;
      assert.ok((counts['write:fail'] ?? 0) + (counts['write:unknown'] ?? 0) > 0, `faults landed mid-load: ${JSON.stringify(counts)}`);
      assert.ok((counts['ddl:ok'] ?? 0) > 0 && (counts['delete:ok'] ?? 0) > 0, `DDL and deletes ran: ${JSON.stringify(counts)}`);
      assert.equal(existsSync(result.runDir), false, 'a passing run leaves nothing behind');
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
