// The partition nemesis against three real Raft processes (raft-runner: TCP transport, LevelDB),
// each in its own network namespace. Isolating the leader: the majority elects a new leader and
// commits, the old leader commits nothing; after heal every log is identical, no acknowledged
// entry is lost, and the leader checker sees at most one leader per term in the whole run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLeaders, type LeaderSample } from './chaos/checkers/leader-checker.js';
import type { ControlledNode, NemesisContext } from './chaos/nemesis/nemesis.js';
import { installPartition } from './chaos/nemesis/partition.js';
import { NetnsNetwork, netnsAvailability } from './chaos/netns.js';
import { RaftProcess, sleep, type RoleEvent } from './support/raft-process.js';
import type { RunnerStatus } from './support/raft-runner.js';

const RAFT_PORT = 8089;
const availability = await netnsAvailability();
const skip = availability.available ? false : availability.reason;

type ProposeAnswer = { acked: string[]; failed: number; firstError: string | null };

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('partition nemesis on 3 Raft processes in network namespaces', { skip, timeout: 180_000 }, () => {
  const ids = ['n1', 'n2', 'n3'];
  let network: NetnsNetwork;
  let root: string;
  const nodes = new Map<string, RaftProcess>();
  const samples: LeaderSample[] = [];
  const started = Date.now();
  let sampling = true;
  let sampler: Promise<void> = Promise.resolve();

  const statuses = async (among: readonly string[] = ids): Promise<RunnerStatus[]> =>
    (await Promise.all(among.map((id) => nodes.get(id)!.status().catch(() => null)))).filter((s): s is RunnerStatus => s !== null);

  /** A leader every node of `among` agrees on. */
  async function agreedLeader(among: readonly string[], timeoutMs = 20_000): Promise<RunnerStatus> {
    let found: RunnerStatus | null = null;
    await waitUntil(`a leader agreed by ${among.join(',')}`, async () => {
      const all = await statuses(among);
      const leaders = all.filter((s) => s.role === 'leader');
      found = leaders.length === 1 && all.length === among.length && all.every((s) => s.leader === leaders[0]!.id) ? leaders[0]! : null;
      return found !== null;
    }, timeoutMs);
    return found!;
  }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hbj-raft-'));
    network = await NetnsNetwork.create({ nodes: ids });
    const peers = ids.map((id) => ({ id, address: `${network.addressOf(id)}:${RAFT_PORT}` }));
    const onRole = (event: RoleEvent): void => {
      if (event.role === 'leader') samples.push({ atMs: event.at - started, node: event.id, term: event.term, leader: event.id });
    };
    for (const id of ids) {
      nodes.set(id, new RaftProcess(
        { id, host: network.addressOf(id), port: RAFT_PORT, peers, dir: join(root, id), secret: 'jepsen-lite' },
        onRole,
        network.execArgv(id, []),
      ));
    }
    await Promise.all([...nodes.values()].map((n) => n.start()));
    sampler = (async () => {
      while (sampling) {
        for (const s of await statuses()) samples.push({ atMs: Date.now() - started, node: s.id, term: s.term, leader: s.leader });
        await sleep(100);
      }
    })();
  });

  after(async () => {
    sampling = false;
    await sampler;
    try {
      await Promise.all([...nodes.values()].map((n) => n.kill()));
      await network?.destroy();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the majority elects and commits, the isolated old leader commits nothing, and heal converges', async () => {
    const mark = (what: string): void => { process.stdout.write(`# ${((Date.now() - started) / 1000).toFixed(1)}s ${what}\n`); };
    const first = await agreedLeader(ids);
    const round1 = await nodes.get(first.id)!.request<ProposeAnswer>({ op: 'propose', prefix: 'before', count: 200, inflight: 16 }, 30_000);
    assert.equal(round1.acked.length, 200, round1.firstError ?? '');

    mark('round1 done');
    const ctx: NemesisContext = {
      network, servicePorts: [RAFT_PORT], replicated: true, drain: null, leader: null,
      nodes: new Map<string, ControlledNode>(),
    };
    const fault = await installPartition(ctx, { kind: 'isolate', node: first.id });
    assert.equal(fault.outcome.status, 'installed', fault.outcome.detail);
    const isolated = nodes.get(first.id)!;
    const commitAtPartition = (await isolated.status()).commitIndex;
    // The old leader still believes it leads for up to an election timeout: whatever it is asked
    // to do in the minority must not commit.
    const minority = isolated.request<ProposeAnswer>({ op: 'propose', prefix: 'minority', count: 50, inflight: 8 }, 60_000)
      .catch((error: Error) => ({ acked: [], failed: 50, firstError: error.message }));

    mark('partitioned');
    const majority = ids.filter((id) => id !== first.id);
    const second = await agreedLeader(majority);
    assert.ok(second.term > first.term, `new leader in a later term (${first.term} → ${second.term})`);
    mark('second leader');
    const round2 = await nodes.get(second.id)!.request<ProposeAnswer>({ op: 'propose', prefix: 'majority', count: 200, inflight: 16 }, 30_000);
    assert.equal(round2.acked.length, 200, `the majority commits: ${round2.firstError ?? ''}`);
    mark('round2 done');
    // For up to an election timeout two nodes may both think they lead, in different terms.
    await waitUntil('check-quorum makes the isolated leader step down', async () => (await isolated.status()).role !== 'leader', 15_000);
    assert.equal((await isolated.status()).commitIndex, commitAtPartition, 'the minority commits nothing while partitioned');
    assert.equal((await fault.heal()).status, 'installed');
    // Healing overwrites the old leader's uncommitted entries: its proposals fail or stay unknown, never ok.
    const minorityAnswer = await minority;
    mark(`minority: ${JSON.stringify({ ...minorityAnswer, acked: minorityAnswer.acked.length })}`);
    assert.deepEqual(minorityAnswer.acked, [], 'no proposal acknowledged by the minority');
    const acked = [...round1.acked, ...round2.acked];
    await waitUntil('every node applied every acknowledged entry', async () =>
      (await statuses()).length === 3 && (await statuses()).every((s) => s.count >= acked.length), 30_000);
    await agreedLeader(ids);
    mark('converged');
    const logs = await Promise.all(ids.map((id) => nodes.get(id)!.request<string[]>({ op: 'values' })));
    for (const [i, log] of logs.entries()) assert.deepEqual(log, logs[0], `${ids[i]} applied the same sequence`);
    const applied = new Set(logs[0]);
    assert.deepEqual(acked.filter((v) => !applied.has(v)), [], 'no acknowledged entry lost');
    assert.equal(applied.size, logs[0]!.length, 'no entry applied twice');
    assert.deepEqual(logs[0]!.filter((v) => v.startsWith('minority')), [], 'nothing proposed only to the minority was applied');

    sampling = false;
    await sampler;
    const leaders = checkLeaders(samples);
    assert.equal(leaders.valid, true, `${leaders.summary}: ${JSON.stringify(leaders.details['conflicts'])}`);
    assert.ok((leaders.details['terms'] as number[]).length >= 2, leaders.summary);
    process.stdout.write(`# ${leaders.summary}\n`);
  });
});
