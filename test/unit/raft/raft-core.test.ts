// Paper-rule tests of the Raft core (figure 2, §5, §6 and the etcd extensions), message by message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NotLeaderError, ProposalDroppedError } from '../../../src/raft/errors.js';
import type { Message } from '../../../src/raft/core/types.js';
import { bytes, entry, msg, nodeWithLog, TestNet, text } from './harness.js';

const V = ['a', 'b', 'c'];
const votesIn = (ms: Message[], type: Message['type']): Message[] => ms.filter((m) => m.type === type);

describe('leader election (§5.2)', () => {
  test('a follower that hears from no leader for an election timeout becomes a candidate, increments its term and votes for itself', () => {
    const n = nodeWithLog('a', V, [], 0);
    let ticks = 0;
    while (n.core.status().role === 'follower' && ticks < 100) {
      n.core.tick();
      ticks++;
    }
    const st = n.core.status();
    assert.equal(st.role, 'candidate');
    assert.equal(st.term, 1);
    assert.equal(st.vote, 'a');
    assert.ok(ticks >= 10 && ticks < 20, `campaigned after ${ticks} ticks`);
    const out = n.drain();
    assert.deepEqual(votesIn(out, 'vote').map((m) => [m.to, m.term]), [['b', 1], ['c', 1]]);
    assert.deepEqual(n.storage.initialState().hardState, { term: 1, vote: 'a', commit: 0 });
  });

  test('a single-voter cluster elects itself and commits once its own log is durable', () => {
    const net = new TestNet(['a']);
    const a = net.elect('a');
    assert.equal(a.core.status().role, 'leader');
    a.core.propose(bytes('solo'));
    assert.equal(a.core.status().commit, 1, 'not committed before the driver persisted it');
    net.deliver();
    assert.deepEqual(a.appliedData(), ['solo']);
    a.core.readIndex(bytes('r'));
    net.deliver();
    assert.deepEqual(a.readStates.map((r) => r.index), [2]);
  });

  test('randomized election timeouts lie in [electionTicks, 2*electionTicks)', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 30; seed++) {
      const n = nodeWithLog(`x${seed}`, [`x${seed}`, 'y', 'z'], [], 0);
      let ticks = 0;
      while (n.core.status().role === 'follower') {
        n.core.tick();
        ticks++;
      }
      assert.ok(ticks >= 10 && ticks < 20);
      seen.add(ticks);
    }
    assert.ok(seen.size > 3, 'timeouts are spread out');
  });

  test('a candidate that receives votes from a majority of the servers becomes leader', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    assert.equal(a.core.status().role, 'leader');
    net.tickAll(1);
    for (const id of ['b', 'c']) assert.equal(net.node(id).core.status().leader, 'a');
  });

  test('each server will vote for at most one candidate in a given term, on a first-come-first-served basis', () => {
    const c = nodeWithLog('c', V, [], 0);
    c.core.step(msg({ type: 'vote', from: 'a', to: 'c', term: 1, index: 0, logTerm: 0 }));
    c.core.step(msg({ type: 'vote', from: 'b', to: 'c', term: 1, index: 0, logTerm: 0 }));
    c.core.step(msg({ type: 'vote', from: 'a', to: 'c', term: 1, index: 0, logTerm: 0 }));
    const resps = votesIn(c.drain(), 'vote-resp').map((m) => [m.to, m.reject]);
    assert.deepEqual(resps, [['a', false], ['b', true], ['a', false]]);
    assert.equal(c.storage.initialState().hardState.vote, 'a');
  });

  test('the voter denies its vote if its own log is more up-to-date than that of the candidate (§5.4.1)', () => {
    const c = nodeWithLog('c', V, [entry(1, 1), entry(2, 2)], 2);
    c.core.step(msg({ type: 'vote', from: 'a', to: 'c', term: 3, index: 5, logTerm: 1 })); // lower last term
    c.core.step(msg({ type: 'vote', from: 'b', to: 'c', term: 3, index: 1, logTerm: 2 })); // same term, shorter
    c.core.step(msg({ type: 'vote', from: 'a', to: 'c', term: 3, index: 2, logTerm: 2 })); // as up-to-date
    assert.deepEqual(votesIn(c.drain(), 'vote-resp').map((m) => [m.to, m.reject]), [['a', true], ['b', true], ['a', false]]);
  });

  test('if a candidate or leader discovers that its term is out of date, it immediately reverts to follower', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    a.core.step(msg({ type: 'heartbeat', from: 'b', to: 'a', term: 7, commit: 0 }));
    const st = a.core.status();
    assert.equal(st.role, 'follower');
    assert.equal(st.term, 7);
    assert.equal(st.leader, 'b');
  });

  test('if a server receives a request with a stale term number, it rejects the request and tells the sender its term', () => {
    const b = nodeWithLog('b', V, [], 5, { preVote: true });
    b.core.step(msg({ type: 'append', from: 'a', to: 'b', term: 3, index: 0, logTerm: 0, entries: [entry(1, 3)], commit: 0 }));
    const out = b.drain();
    assert.equal(b.core.status().lastIndex, 0, 'nothing appended');
    assert.deepEqual(out.map((m) => [m.type, m.term]), [['append-resp', 5]]);
  });
});

describe('pre-vote and check-quorum (§9.6, etcd)', () => {
  test('pre-vote does not bump the term; the pre-vote request carries term+1', () => {
    const n = nodeWithLog('a', V, [], 4, { preVote: true });
    while (n.core.status().role === 'follower') n.core.tick();
    assert.equal(n.core.status().role, 'pre-candidate');
    assert.equal(n.core.status().term, 4);
    const out = n.drain();
    assert.deepEqual(votesIn(out, 'pre-vote').map((m) => m.term), [5, 5]);
    assert.equal(n.storage.initialState().hardState.term, 4);
  });

  test('a pre-candidate that wins a majority of pre-votes starts a real election and wins it', () => {
    const net = new TestNet(V, { preVote: true });
    const a = net.elect('a');
    assert.equal(a.core.status().role, 'leader');
    assert.equal(a.core.status().term, 1);
    assert.ok(net.log.some((m) => m.type === 'pre-vote-resp' && m.reject === false && m.term === 1));
  });

  test('a partitioned node that rejoins does not disrupt a stable leader when pre-vote is on', () => {
    const net = new TestNet(V, { preVote: true, checkQuorum: true });
    net.elect('a');
    net.drop = (m) => m.to === 'c' || m.from === 'c';
    net.tickAll(100);
    assert.equal(net.node('c').core.status().term, 1, 'isolated node never raised its term');
    net.drop = () => false;
    net.tickAll(5);
    assert.equal(net.node('a').core.status().role, 'leader');
    assert.equal(net.node('a').core.status().term, 1);
  });

  test('with check-quorum, a leader steps down when it has not heard from a majority within an election timeout', () => {
    const net = new TestNet(V, { checkQuorum: true });
    const a = net.elect('a');
    net.drop = (m) => m.from === 'a' || m.to === 'a';
    for (let i = 0; i < 10; i++) a.core.tick();
    assert.equal(a.core.status().role, 'leader', 'still leader within the first timeout (heard from all at election)');
    for (let i = 0; i < 10; i++) a.core.tick();
    assert.equal(a.core.status().role, 'follower');
  });

  test('with check-quorum, a follower that hears from a live leader ignores vote requests (leader lease)', () => {
    const net = new TestNet(V, { checkQuorum: true });
    net.elect('a');
    net.tickAll(1);
    const b = net.node('b');
    b.core.step(msg({ type: 'vote', from: 'c', to: 'b', term: 9, index: 99, logTerm: 9 }));
    assert.equal(b.core.status().term, 1);
    assert.equal(votesIn(b.drain(), 'vote-resp').length, 0);
    b.core.step(msg({ type: 'vote', from: 'c', to: 'b', term: 9, index: 99, logTerm: 9, force: true }));
    assert.equal(b.core.status().term, 9, 'a forced (transfer) vote overrides the lease');
  });
});

describe('log replication (§5.3)', () => {
  test("a follower rejects append when its log doesn't contain an entry at prevLogIndex whose term matches prevLogTerm", () => {
    const b = nodeWithLog('b', V, [entry(1, 1), entry(2, 1)], 1);
    b.core.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 3, logTerm: 2, entries: [entry(4, 2)], commit: 0 }));
    b.core.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 2, logTerm: 2, entries: [entry(3, 2)], commit: 0 }));
    const resps = b.drain().filter((m) => m.type === 'append-resp');
    assert.deepEqual(resps.map((m) => [m.reject, m.index, m.rejectHint, m.hintTerm]), [[true, 3, 2, 1], [true, 2, 2, 1]]);
    assert.equal(b.core.status().lastIndex, 2);
  });

  test('if an existing entry conflicts with a new one, the follower deletes it and all that follow it', () => {
    const b = nodeWithLog('b', V, [entry(1, 1), entry(2, 1), entry(3, 1)], 1);
    b.core.step(msg({ type: 'append', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries: [entry(2, 2)], commit: 1 }));
    const resps = b.drain().filter((m) => m.type === 'append-resp');
    assert.deepEqual(resps.map((m) => [m.reject ?? false, m.index]), [[false, 2]]);
    assert.equal(b.storage.lastIndex(), 2);
    assert.equal(b.storage.term(2), 2);
  });

  test('a leader appends an empty no-op entry of its term on election', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    const st = a.core.status();
    assert.equal(st.lastIndex, 1);
    assert.equal(a.core.logTerm(1), st.term);
    assert.equal(a.applied[0]?.data.byteLength, 0);
  });

  test('the leader commits an entry once a majority stored it, and followers learn the commit index', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    net.drop = (m) => m.to === 'c';
    a.core.propose(bytes('x'));
    net.deliver();
    assert.deepEqual(a.appliedData(), ['x'], 'a and b are a majority');
    assert.deepEqual(net.node('b').appliedData(), ['x']);
    net.drop = (m) => m.to === 'b' || m.to === 'c';
    a.core.propose(bytes('y'));
    net.deliver();
    assert.deepEqual(a.appliedData(), ['x'], 'the leader alone is no majority');
    net.drop = () => false;
    net.tickAll(2);
    for (const n of net.nodes.values()) assert.deepEqual(n.appliedData(), ['x', 'y']);
  });

  test('a leader only commits entries from its current term by counting replicas (§5.4.2, figure 8)', () => {
    const net = new TestNet(V, { maxEntriesPerMessage: 1 });
    net.nodes.set('a', nodeWithLog('a', V, [entry(1, 1), entry(2, 2)], 2, { maxEntriesPerMessage: 1 }));
    net.nodes.set('b', nodeWithLog('b', V, [entry(1, 1)], 2, { maxEntriesPerMessage: 1 }));
    net.nodes.set('c', nodeWithLog('c', V, [entry(1, 1)], 2, { maxEntriesPerMessage: 1 }));
    net.drop = (m) => m.type === 'append-resp' && (m.index ?? 0) >= 3; // acks of the no-op are lost
    const a = net.elect('a');
    assert.equal(a.core.status().term, 3);
    assert.equal(a.core.status().progress.b?.match, 2, 'b replicated the term-2 entry');
    assert.equal(a.core.status().commit, 0, 'a majority holds index 2, but its term is old');
    net.drop = () => false;
    net.tickAll(1);
    assert.equal(a.core.status().commit, 3, 'committing the no-op commits index 2 indirectly');
  });

  test('rejection hints let the leader skip a whole conflicting term in one round trip (fast backtracking)', () => {
    const t1 = Array.from({ length: 10 }, (_, i) => entry(i + 1, 1));
    const aLog = [...t1, ...Array.from({ length: 20 }, (_, i) => entry(i + 11, 3))];
    const bLog = [...t1, ...Array.from({ length: 30 }, (_, i) => entry(i + 11, 2))];
    const net = new TestNet(V);
    net.nodes.set('a', nodeWithLog('a', V, aLog, 3));
    net.nodes.set('b', nodeWithLog('b', V, bLog, 3));
    net.nodes.set('c', nodeWithLog('c', V, aLog, 3));
    net.elect('a');
    net.tickAll(2);
    const rejects = net.log.filter((m) => m.type === 'append-resp' && m.from === 'b' && m.reject === true);
    assert.ok(rejects.length <= 2, `b rejected ${rejects.length} times`);
    assert.equal(net.node('b').storage.lastIndex(), 31);
    assert.equal(net.node('b').storage.term(20), 3);
  });

  test('appends are batched within maxEntriesPerMessage and maxBytesPerMessage', () => {
    const net = new TestNet(V, { maxEntriesPerMessage: 3, maxBytesPerMessage: 80 });
    const a = net.elect('a');
    net.drop = (m) => m.to !== 'a';
    for (let i = 0; i < 10; i++) a.core.propose(bytes(`v${i}`));
    net.drop = () => false;
    net.log.length = 0;
    net.tickAll(3);
    const appends = net.log.filter((m) => m.type === 'append' && (m.entries ?? []).length > 0);
    assert.ok(appends.length > 0);
    for (const m of appends) {
      const n = m.entries?.length ?? 0;
      const size = (m.entries ?? []).reduce((s, e) => s + e.data.byteLength + 24, 0);
      assert.ok(n <= 3 && (size <= 80 || n === 1), `batch of ${n} entries, ${size} bytes`);
    }
    assert.deepEqual(net.node('b').appliedData().length, 10);
  });

  test('in replicate state the number of appends in flight is bounded by maxInflightMessages', () => {
    const net = new TestNet(V, { maxInflightMessages: 2, maxEntriesPerMessage: 1 });
    const a = net.elect('a');
    net.tickAll(1);
    assert.equal(a.core.status().progress.b?.state, 'replicate');
    net.drop = (m) => m.type === 'append-resp' && m.from === 'b';
    net.log.length = 0;
    for (let i = 0; i < 6; i++) a.core.propose(bytes(`p${i}`));
    net.deliver();
    const toB = net.log.filter((m) => m.type === 'append' && m.to === 'b' && (m.entries ?? []).length > 0);
    assert.equal(toB.length, 2);
  });

  test('proposals beyond maxUncommittedEntries are dropped with ProposalDroppedError', () => {
    const net = new TestNet(V, { maxUncommittedEntries: 3 });
    const a = net.elect('a');
    net.drop = (m) => m.to !== 'a';
    for (let i = 0; i < 3; i++) a.core.propose(bytes(`u${i}`));
    assert.throws(() => a.core.propose(bytes('one too many')), ProposalDroppedError);
  });

  test('a proposed batch is appended in order and sent as one append per follower', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    net.tickAll(1);
    assert.equal(a.core.status().progress.b?.state, 'replicate');
    const before = a.core.lastIndex();
    net.log.length = 0;
    const proposed = a.core.proposeBatch(['x0', 'x1', 'x2', 'x3'].map(bytes));
    assert.deepEqual(proposed, { firstIndex: before + 1, accepted: 4 });
    net.deliver();
    const appends = net.log.filter((m) => m.type === 'append' && m.from === 'a' && (m.entries ?? []).length > 0);
    assert.deepEqual(appends.map((m) => [m.to, m.entries?.length]), [['b', 4], ['c', 4]]);
    for (const id of V) assert.deepEqual(net.node(id).appliedData().slice(-4), ['x0', 'x1', 'x2', 'x3']);
  });

  test('a proposed batch is cut at maxUncommittedEntries, and refused when nothing fits', () => {
    const net = new TestNet(V, { maxUncommittedEntries: 3 });
    const a = net.elect('a');
    net.drop = (m) => m.to !== 'a';
    const proposed = a.core.proposeBatch(['u0', 'u1', 'u2', 'u3', 'u4'].map(bytes));
    assert.equal(proposed.accepted, 3);
    assert.throws(() => a.core.proposeBatch([bytes('one too many')]), ProposalDroppedError);
    assert.throws(() => net.node('b').core.proposeBatch([bytes('x')]), NotLeaderError);
  });

  test('a proposal on a follower is refused with NotLeaderError carrying the leader hint', () => {
    const net = new TestNet(V);
    net.elect('a');
    net.tickAll(1);
    assert.throws(() => net.node('b').core.propose(bytes('x')), (err: unknown) => err instanceof NotLeaderError && err.leaderHint === 'a');
  });
});

describe('linearizable reads with ReadIndex (§6.4)', () => {
  test('the leader answers a read index only after a heartbeat round confirms it still leads', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    net.drop = (m) => m.type === 'heartbeat-resp';
    a.core.readIndex(bytes('r1'));
    net.deliver();
    assert.equal(a.readStates.length, 0);
    net.drop = () => false;
    a.core.tick(); // the next heartbeat carries the pending read's context
    net.deliver();
    assert.deepEqual(a.readStates.map((r) => [text(r.context), r.index]), [['r1', a.core.status().commit]]);
  });

  test("a follower forwards read index to the leader and receives the leader's commit index", () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    a.core.propose(bytes('w'));
    net.deliver();
    const b = net.node('b');
    b.core.readIndex(bytes('r2'));
    net.deliver();
    assert.deepEqual(b.readStates.map((r) => [text(r.context), r.index]), [['r2', a.core.status().commit]]);
  });

  test('a new leader defers read index until it has committed an entry of its own term', () => {
    const net = new TestNet(V);
    net.drop = (m) => m.type === 'append' || m.type === 'append-resp';
    const a = net.elect('a');
    a.core.readIndex(bytes('r3'));
    net.deliver();
    assert.equal(a.readStates.length, 0);
    net.drop = () => false;
    net.tickAll(2);
    assert.equal(a.readStates.length, 1);
    assert.ok((a.readStates[0]?.index ?? 0) >= 1);
  });

  test('a read index request without a known leader is refused', () => {
    const b = nodeWithLog('b', V, [], 0);
    assert.throws(() => b.core.readIndex(bytes('r')), NotLeaderError);
  });
});

describe('leadership transfer (§3.10)', () => {
  test('the transferee is caught up, gets timeout-now and wins an immediate (forced) election', () => {
    const net = new TestNet(V, { checkQuorum: true, preVote: true });
    const a = net.elect('a');
    net.drop = (m) => m.to === 'b';
    a.core.propose(bytes('x'));
    net.deliver();
    net.drop = () => false;
    a.core.transferLeadership('b');
    net.deliver();
    const b = net.node('b');
    assert.equal(b.core.status().role, 'leader');
    assert.equal(b.core.status().term, 2);
    assert.equal(a.core.status().role, 'follower');
    assert.deepEqual(b.appliedData(), ['x']);
    const timeoutNow = net.log.findIndex((m) => m.type === 'timeout-now');
    const caughtUp = net.log.findIndex((m) => m.type === 'append-resp' && m.from === 'b' && m.index === 2);
    assert.ok(caughtUp >= 0 && caughtUp < timeoutNow, 'timeout-now only after the transferee matched the log');
  });

  test('proposals are dropped while a transfer is in progress, and the transfer aborts after an election timeout', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    net.drop = (m) => m.to === 'b';
    a.core.transferLeadership('b');
    assert.throws(() => a.core.propose(bytes('x')), ProposalDroppedError);
    for (let i = 0; i < 10; i++) a.core.tick();
    assert.ok(a.core.propose(bytes('x')) > 0);
  });
});

describe('membership changes (§4.1, learners)', () => {
  test("learners receive the log but neither vote nor count towards commitment", () => {
    const net = new TestNet(V, {}, ['d']);
    const a = net.elect('a');
    a.core.propose(bytes('x'));
    net.deliver();
    const d = net.node('d');
    assert.deepEqual(d.appliedData(), ['x']);
    for (let i = 0; i < 50; i++) d.core.tick();
    assert.equal(d.core.status().role, 'follower');
    assert.equal(d.drain().filter((m) => m.type === 'vote' || m.type === 'pre-vote').length, 0);
    net.drop = (m) => m.to === 'b' || m.to === 'c';
    a.core.propose(bytes('y'));
    net.deliver();
    assert.deepEqual(a.appliedData(), ['x'], 'leader + learner is no quorum');
  });

  test('a learner promoted with add-voter counts for commitment once the change is applied', () => {
    const net = new TestNet(V, {}, ['d']);
    const a = net.elect('a');
    a.core.proposeConfChange({ kind: 'add-voter', id: 'd' });
    net.deliver();
    for (const n of net.nodes.values()) assert.deepEqual(n.conf, { voters: ['a', 'b', 'c', 'd'], learners: [] });
    net.drop = (m) => m.to === 'c';
    a.core.propose(bytes('z'));
    net.deliver();
    assert.deepEqual(a.appliedData(), ['z'], 'a, b and d are 3 of 4 voters');
  });

  test('only one configuration change may be pending at a time, and none before the no-op of the term is applied', () => {
    const net = new TestNet(V);
    net.drop = (m) => m.type === 'append-resp';
    const a = net.elect('a');
    assert.throws(() => a.core.proposeConfChange({ kind: 'add-learner', id: 'd' }), ProposalDroppedError);
    net.drop = () => false;
    net.tickAll(1);
    net.drop = (m) => m.to !== 'a';
    a.core.proposeConfChange({ kind: 'add-learner', id: 'd' });
    assert.throws(() => a.core.proposeConfChange({ kind: 'add-learner', id: 'e' }), ProposalDroppedError);
    net.drop = () => false;
    net.tickAll(1);
    assert.ok(a.core.proposeConfChange({ kind: 'add-learner', id: 'e' }) > 0, 'allowed once the first is applied');
  });

  test('a leader that removes itself steps down when the change is applied, and the rest elect a new leader', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    a.core.proposeConfChange({ kind: 'remove', id: 'a' });
    net.deliver();
    assert.equal(a.core.status().role, 'follower');
    assert.deepEqual(net.node('b').conf.voters, ['b', 'c']);
    net.drop = (m) => m.to === 'a' || m.from === 'a';
    net.tickAll(40);
    const leaders = ['b', 'c'].filter((id) => net.node(id).core.status().role === 'leader');
    assert.equal(leaders.length, 1);
  });
});

describe('snapshots (§7, InstallSnapshot)', () => {
  function lagging(chunkBytes: number): { net: TestNet; data: Uint8Array; index: number } {
    const net = new TestNet(V, { snapshotChunkBytes: chunkBytes });
    const a = net.elect('a');
    net.drop = (m) => m.to === 'c' || m.from === 'c';
    for (let i = 0; i < 10; i++) a.core.propose(bytes(`s${i}`));
    net.deliver();
    const index = a.core.status().applied;
    const data = bytes('application-state-'.repeat(3));
    a.storage.createSnapshot(index, a.conf, data);
    a.storage.compact(index);
    return { net, data, index };
  }

  test('a follower behind the compacted log receives the snapshot in chunks, reassembles it and surfaces it in Ready.snapshot', () => {
    const { net, data, index } = lagging(8);
    net.drop = () => false;
    net.tickAll(3);
    const c = net.node('c');
    assert.equal(c.snapshots.length, 1);
    assert.deepEqual(c.snapshots[0]?.data, data);
    assert.equal(c.snapshots[0]?.metadata.index, index);
    assert.equal(net.log.filter((m) => m.type === 'snapshot').length, Math.ceil(data.byteLength / 8));
    assert.equal(c.storage.firstIndex(), index + 1);
    net.node('a').core.propose(bytes('after'));
    net.deliver();
    assert.deepEqual(c.appliedData(), ['after']);
  });

  test('the leader re-probes and resends a snapshot whose chunks were lost', () => {
    const { net, data } = lagging(8);
    net.drop = (m) => m.type === 'snapshot' && m.snapshotOffset === 8;
    net.tickAll(3);
    const c = net.node('c');
    assert.equal(c.snapshots.length, 0);
    net.drop = () => false;
    net.tickAll(25);
    assert.equal(c.snapshots.length, 1);
    assert.deepEqual(c.snapshots[0]?.data, data);
  });
});

describe('Ready and durability', () => {
  test('a vote is handed out only in the Ready that persists it', () => {
    const c = nodeWithLog('c', V, [], 0);
    c.core.step(msg({ type: 'vote', from: 'a', to: 'c', term: 1, index: 0, logTerm: 0 }));
    const rd = c.core.ready();
    assert.deepEqual(rd.hardState, { term: 1, vote: 'a', commit: 0 });
    assert.deepEqual(rd.messages.map((m) => [m.type, m.reject]), [['vote-resp', false]]);
    c.core.advance(rd);
    assert.equal(c.core.hasReady(), false);
  });

  test('a restarted node resumes from its persisted term, vote, log and commit, and re-applies committed entries', () => {
    const net = new TestNet(V);
    const a = net.elect('a');
    a.core.propose(bytes('x'));
    net.tickAll(1);
    const b = net.node('b');
    const before = b.core.status();
    b.restart();
    const after = b.core.status();
    assert.deepEqual([after.term, after.vote, after.commit, after.lastIndex], [before.term, before.vote, before.commit, before.lastIndex]);
    assert.equal(after.applied, 0);
    b.applied.length = 0;
    b.drain();
    assert.deepEqual(b.appliedData(), ['x']);
  });

  test('the constructor honours an applied index restored from a snapshot', () => {
    const n = nodeWithLog('a', V, [entry(1, 1, 'p'), entry(2, 1, 'q'), entry(3, 1, 'r')], 1);
    n.storage.setHardState({ term: 1, vote: null, commit: 3 });
    n.storage.createSnapshot(2, { voters: V, learners: [] }, bytes('s'));
    n.restart();
    n.drain();
    assert.deepEqual(n.appliedData(), ['r']);
  });
});
