// Tests for the Raft driver: three in-process nodes over real TCP on 127.0.0.1 with LevelDB in temp dirs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { NotLeaderError, ProposalDroppedError } from '../../../src/raft/errors.js';
import { registerRaftMetrics } from '../../../src/raft/metrics.js';
import { coalesceAppends } from '../../../src/raft/coalesce-appends.js';
import type { Entry, Message } from '../../../src/raft/core/types.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRaftNode, type RaftNode, type RaftNodeOptions, type StateMachine } from '../../../src/raft/node.js';
import { LevelStorage } from '../../../src/raft/storage/level-storage.js';
import { NetTransport } from '../../../src/raft/transport/net-transport.js';
import type { PeerAddress } from '../../../src/raft/transport/transport.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Appends each entry's text to a list; the result of apply is the list length. */
class ListMachine implements StateMachine<number> {
  items: string[] = [];
  apply(data: Uint8Array): number {
    this.items.push(Buffer.from(data).toString());
    return this.items.length;
  }
  snapshot(): Promise<Uint8Array> {
    return Promise.resolve(Buffer.from(JSON.stringify(this.items)));
  }
  restore(data: Uint8Array): Promise<void> {
    this.items = JSON.parse(Buffer.from(data).toString()) as string[];
    return Promise.resolve();
  }
}

interface Member {
  readonly id: string;
  readonly dir: string;
  node: RaftNode<number>;
  machine: ListMachine;
  running: boolean;
}

type MemberOptions = Partial<Omit<RaftNodeOptions<number>, 'id' | 'peers' | 'storage' | 'transport' | 'stateMachine'>>;

class Cluster {
  readonly members = new Map<string, Member>();
  private constructor(readonly root: string, readonly peers: PeerAddress[], private readonly options: MemberOptions) {}

  static async create(size: number, options: MemberOptions = {}): Promise<Cluster> {
    const root = await mkdtemp(join(tmpdir(), 'hb-raft-node-'));
    const peers: PeerAddress[] = [];
    for (let i = 1; i <= size; i++) peers.push({ id: `n${i}`, address: `127.0.0.1:${await freePort()}` });
    const cluster = new Cluster(root, peers, options);
    for (const peer of peers) cluster.build(peer.id);
    await Promise.all([...cluster.members.values()].map((m) => m.node.start()));
    for (const member of cluster.members.values()) member.running = true;
    return cluster;
  }

  private build(id: string, extra: MemberOptions = {}): Member {
    const peer = this.peers.find((p) => p.id === id)!;
    const port = Number(peer.address.split(':')[1]);
    const dir = join(this.root, id);
    const machine = new ListMachine();
    const node = createRaftNode<number>({
      id,
      peers: this.peers,
      storage: new LevelStorage({ path: dir }),
      transport: new NetTransport({ id, host: '127.0.0.1', port, clusterSecret: 'node-test', reconnectInitialMs: 20, reconnectMaxMs: 200 }),
      stateMachine: machine,
      tickMs: 20,
      ...this.options,
      ...extra,
    });
    const member: Member = { id, dir, node, machine, running: false };
    this.members.set(id, member);
    return member;
  }

  member(id: string): Member {
    return this.members.get(id)!;
  }

  running(): Member[] {
    return [...this.members.values()].filter((m) => m.running);
  }

  async leader(timeoutMs = 10_000): Promise<Member> {
    return waitFor('a single leader', () => {
      const leaders = this.running().filter((m) => m.node.isLeader());
      const leader = leaders.length === 1 ? leaders[0] : undefined;
      // Every running member must agree before we call it elected.
      return leader && this.running().every((m) => m.node.leader() === leader.id) ? leader : undefined;
    }, timeoutMs);
  }

  /** Starts a brand-new node that joins the running cluster (it does not bootstrap). */
  async joinMember(id: string, extra: MemberOptions = {}): Promise<Member> {
    this.peers.push({ id, address: `127.0.0.1:${await freePort()}` });
    const member = this.build(id, { join: true, ...extra });
    await member.node.start();
    member.running = true;
    return member;
  }

  async stopMember(id: string): Promise<void> {
    const member = this.member(id);
    member.running = false;
    await member.node.stop();
  }

  async restartMember(id: string, extra: MemberOptions = {}): Promise<Member> {
    const member = this.build(id, extra);
    await member.node.start();
    member.running = true;
    return member;
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.node.stop()));
    await rm(this.root, { recursive: true, force: true });
  }
}

const text = (s: string): Uint8Array => Buffer.from(s);

describe('RaftNode', () => {
  it('elects one leader, replicates proposals to every node, and resolves with the apply result', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      let appliedEvent = 0;
      leader.node.on('applied', (index) => { appliedEvent = index; });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => leader.node.propose(text(`v${i}`))));
      assert.equal(appliedEvent, leader.node.metrics().appliedIndex, "'applied' reports the last applied index");
      assert.deepEqual(results, Array.from({ length: 200 }, (_, i) => i + 1), 'apply results in log order');
      await waitFor('followers applied', () => cluster.running().every((m) => m.machine.items.length === 200));
      for (const member of cluster.running()) assert.deepEqual(member.machine.items, leader.machine.items);
      const metrics = leader.node.metrics();
      assert.equal(metrics.role, 'leader');
      assert.equal(metrics.leader, leader.id);
      assert.ok(metrics.commitIndex >= 200 && metrics.appliedIndex === metrics.commitIndex);
      assert.deepEqual(Object.keys(metrics.replicationLag).sort(), cluster.peers.map((p) => p.id).filter((id) => id !== leader.id).sort());
    } finally {
      await cluster.destroy();
    }
  });

  it('rejects a proposal on a follower with NotLeaderError carrying the leader hint', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      const follower = cluster.running().find((m) => m.id !== leader.id)!;
      await assert.rejects(follower.node.propose(text('nope')), (error: unknown) => {
        assert.ok(error instanceof NotLeaderError);
        assert.equal(error.leaderHint, leader.id);
        return true;
      });
    } finally {
      await cluster.destroy();
    }
  });

  it('serves readIndex on followers once their applied index reaches the read point', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      await leader.node.propose(text('a'));
      const follower = cluster.running().find((m) => m.id !== leader.id)!;
      await Promise.all([follower.node.readIndex(), follower.node.readIndex(), leader.node.readIndex()]);
      assert.deepEqual(follower.machine.items, ['a'], 'a linearizable read sees the committed write');
    } finally {
      await cluster.destroy();
    }
  });

  it('bounds pending proposals', async () => {
    const cluster = await Cluster.create(3, { maxPendingProposals: 8 });
    try {
      const leader = await cluster.leader();
      const attempts = Array.from({ length: 20 }, (_, i) => leader.node.propose(text(`p${i}`)));
      const settled = await Promise.allSettled(attempts);
      const refused = settled.filter((s) => s.status === 'rejected' && s.reason instanceof ProposalDroppedError);
      assert.equal(refused.length, 12);
      assert.equal(settled.filter((s) => s.status === 'fulfilled').length, 8);
    } finally {
      await cluster.destroy();
    }
  });

  it('elects a new leader when the leader stops, and the old leader catches up after restart', async () => {
    const cluster = await Cluster.create(3);
    try {
      const first = await cluster.leader();
      for (let i = 0; i < 50; i++) await first.node.propose(text(`a${i}`));
      await cluster.stopMember(first.id);
      const second = await cluster.leader();
      assert.notEqual(second.id, first.id);
      await Promise.all(Array.from({ length: 50 }, (_, i) => second.node.propose(text(`b${i}`))));
      const back = await cluster.restartMember(first.id);
      await waitFor('restarted node caught up', () => back.machine.items.length === 100);
      assert.deepEqual(back.machine.items, second.machine.items, 'log reloaded from LevelDB and completed by the leader');
    } finally {
      await cluster.destroy();
    }
  });

  it('snapshots and compacts, and a lagging follower catches up through a snapshot', async () => {
    const cluster = await Cluster.create(3, { snapshotEvery: 50, snapshotTrailingEntries: 10 });
    try {
      const leader = await cluster.leader();
      const lagging = cluster.running().find((m) => m.id !== leader.id)!;
      await cluster.stopMember(lagging.id);
      await Promise.all(Array.from({ length: 300 }, (_, i) => leader.node.propose(text(`s${i}`))));
      await waitFor('leader snapshot', () => leader.node.metrics().snapshotIndex >= 250);
      const back = await cluster.restartMember(lagging.id);
      await waitFor('caught up via snapshot', () => back.machine.items.length === 300, 15_000);
      assert.deepEqual(back.machine.items, leader.machine.items);
      assert.ok(back.node.metrics().snapshotIndex > 0, 'installed a snapshot');
    } finally {
      await cluster.destroy();
    }
  });

  it('transfers leadership', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      await leader.node.propose(text('x'));
      const target = cluster.running().find((m) => m.id !== leader.id)!;
      await leader.node.transferLeadership(target.id);
      const next = await cluster.leader();
      assert.equal(next.id, target.id);
    } finally {
      await cluster.destroy();
    }
  });

  it('adds a learner, promotes it to voter, and removes a member', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      await Promise.all(Array.from({ length: 20 }, (_, i) => leader.node.propose(text(`m${i}`))));
      const joiner = await cluster.joinMember('n4');
      const address = cluster.peers.find((p) => p.id === 'n4')!.address;
      const asLearner = await leader.node.addNode('n4', address, { learner: true });
      assert.deepEqual(asLearner.learners, ['n4']);
      await waitFor('learner caught up', () => joiner.machine.items.length === 20);
      const asVoter = await leader.node.addNode('n4', address);
      assert.deepEqual(asVoter.voters, ['n1', 'n2', 'n3', 'n4']);
      await leader.node.propose(text('after-join'));
      await waitFor('new voter applies', () => joiner.machine.items.at(-1) === 'after-join');
      const removed = cluster.running().find((m) => m.id !== leader.id && m.id !== 'n4')!;
      const afterRemove = await leader.node.removeNode(removed.id);
      assert.deepEqual(afterRemove.voters, ['n1', 'n2', 'n3', 'n4'].filter((id) => id !== removed.id));
      await cluster.stopMember(removed.id);
      assert.equal(await leader.node.propose(text('three-voters')), 22, 'commits with the remaining voters');
    } finally {
      await cluster.destroy();
    }
  });

  it('exposes metrics on a registry passed in, and emits leader/role events', async () => {
    const cluster = await Cluster.create(3);
    try {
      const leader = await cluster.leader();
      const registry = new Registry();
      registerRaftMetrics(leader.node, registry);
      await leader.node.propose(text('m'));
      const exposition = await registry.metrics();
      assert.match(exposition, /hyperbytedb_raft_term\{node="n\d"\} \d+/);
      assert.match(exposition, /hyperbytedb_raft_is_leader\{node="n\d"\} 1/);
      assert.match(exposition, /hyperbytedb_raft_replication_lag_entries\{node="n\d",peer="n\d"\} \d+/);
      const follower = cluster.running().find((m) => m.id !== leader.id)!;
      const events: string[] = [];
      follower.node.on('role-change', ({ role }) => events.push(role));
      await leader.node.transferLeadership(follower.id);
      await waitFor('role-change event', () => events.includes('leader'));
    } finally {
      await cluster.destroy();
    }
  });

  it('start() and stop() are idempotent and stop rejects new work', async () => {
    const cluster = await Cluster.create(1);
    try {
      const only = await cluster.leader();
      await only.node.start();
      assert.equal(await only.node.propose(text('solo')), 1);
      await Promise.all([only.node.stop(), only.node.stop()]);
      only.running = false;
      await assert.rejects(only.node.propose(text('late')), /not running/);
    } finally {
      await cluster.destroy();
    }
  });
});

describe('coalesceAppends', () => {
  const entry = (index: number, term = 2): Entry => ({ index, term, type: 'normal', data: new Uint8Array(10) });
  const append = (to: string, index: number, logTerm: number, entries: Entry[], commit: number, term = 2): Message =>
    ({ type: 'append', from: 'l', to, term, index, logTerm, entries, commit });

  it('merges back-to-back appends to one peer that continue each other, keeping the later commit', () => {
    const out = coalesceAppends([
      append('b', 4, 1, [entry(5)], 3),
      append('c', 4, 1, [entry(5)], 3),
      append('b', 5, 2, [entry(6)], 4),
      { type: 'heartbeat', from: 'l', to: 'c', term: 2, commit: 4 },
      append('c', 5, 2, [entry(6)], 4),
    ], 1 << 20);
    assert.equal(out.length, 4);
    assert.deepEqual(out.map((m) => m.to), ['b', 'c', 'c', 'c']);
    const toB = out[0]!;
    assert.equal(toB.index, 4);
    assert.equal(toB.logTerm, 1);
    assert.deepEqual(toB.entries?.map((e) => e.index), [5, 6]);
    assert.equal(toB.commit, 4);
    assert.deepEqual(out.filter((m) => m.to === 'c').map((m) => m.type), ['append', 'heartbeat', 'append'], 'never reorders around another message');
  });

  it('does not merge across a gap, a term change or the byte limit', () => {
    assert.equal(coalesceAppends([append('b', 4, 1, [entry(5)], 3), append('b', 7, 2, [entry(8)], 3)], 1 << 20).length, 2);
    assert.equal(coalesceAppends([append('b', 4, 1, [entry(5)], 3), append('b', 5, 2, [entry(6, 3)], 3, 3)], 1 << 20).length, 2);
    assert.equal(coalesceAppends([append('b', 4, 1, [entry(5)], 3), append('b', 5, 2, [entry(6)], 3)], 40).length, 2);
  });
});
