// jepsen-lite: three real raft processes on loopback (TCP transport, LevelDB) through kill -9 of the leader.
// Checks that no acknowledged entry is lost, logs agree, and a restarted node catches up through a snapshot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RaftProcessCluster, sleep } from './support/raft-process.js';
import type { RunnerStatus } from './support/raft-runner.js';

const PROPOSALS = Number(process.env['RAFT_JEPSEN_PROPOSALS'] ?? 10_000);

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('raft cluster under kill -9 (3 processes, TCP, LevelDB)', { timeout: 150_000 }, () => {
  let cluster: RaftProcessCluster;
  before(async () => {
    cluster = await RaftProcessCluster.start(3, { snapshotEvery: 500, snapshotTrailingEntries: 100 });
  });
  after(async () => {
    await cluster?.destroy();
  });

  it('loses no acknowledged entry across a leader crash and catches the old leader up via snapshot', async () => {
    const first = await cluster.leader(20_000);
    const round1 = await first.node.request<{ acked: string[]; failed: number; firstError: string | null }>(
      { op: 'propose', prefix: 'a', count: PROPOSALS, inflight: 64 }, 90_000);
    assert.equal(round1.failed, 0, `steady-state proposals fail only on error: ${round1.firstError ?? ''}`);
    assert.equal(round1.acked.length, PROPOSALS);
    await waitUntil('every node applied round 1', async () => {
      const statuses = await Promise.all(cluster.alive().map((n) => n.status()));
      return statuses.every((s) => s.count >= PROPOSALS);
    }, 30_000);

    const killed = first.node;
    const beforeKill = await killed.status();
    await killed.kill();
    const second = await cluster.leader(20_000);
    assert.notEqual(second.node.config.id, killed.config.id, 'a surviving node leads');
    assert.ok(second.status.term > beforeKill.term, 'in a later term');

    // Enough new entries that the leader snapshots and compacts past everything the dead node holds.
    // On a loaded machine leadership may move again between the two survivors: proposals that
    // fail (NotLeader) were never acknowledged, so the rest go to whoever leads then.
    const round2: string[] = [];
    for (let attempt = 0; attempt < 5 && round2.length < 2_000; attempt++) {
      const current = attempt === 0 ? second : await cluster.leader(20_000);
      const answer = await current.node.request<{ acked: string[]; failed: number; firstError: string | null }>({ op: 'propose', prefix: `b${attempt}`, count: 2_000 - round2.length, inflight: 32 }, 60_000);
      if (answer.failed > 0) process.stdout.write(`# round 2 attempt ${attempt}: ${answer.failed} proposals failed (${answer.firstError ?? ''})\n`);
      round2.push(...answer.acked);
    }
    assert.equal(round2.length, 2_000);
    const acked = [...round1.acked, ...round2];
    await waitUntil('leader compacted past the dead node', async () => (await (await cluster.leader(20_000)).node.status()).snapshotIndex > beforeKill.lastIndex + 100, 20_000);

    await killed.start();
    await waitUntil('restarted node caught up', async () => (await killed.status()).count >= acked.length, 30_000);
    const caughtUp: RunnerStatus = await killed.status();
    assert.ok(caughtUp.leaderRestores >= 1, 'the restarted node installed a snapshot sent by the leader');

    const histories = await Promise.all(cluster.nodes.map((n) => n.request<string[]>({ op: 'values' })));
    const reference = histories[0]!;
    for (const [i, history] of histories.entries()) {
      assert.deepEqual(history, reference, `node ${cluster.nodes[i]!.config.id} applied the same sequence`);
    }
    assert.equal(new Set(reference).size, reference.length, 'no entry applied twice');
    const applied = new Set(reference);
    const lost = acked.filter((value) => !applied.has(value));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged entries lost`);
    const order = reference.filter((value) => value.startsWith('a-'));
    assert.deepEqual(order.slice(0, 5), ['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
  });
});
