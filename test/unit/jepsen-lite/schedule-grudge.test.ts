// Seeded schedules are reproducible and well-formed; partition specs become the right grudges and
// iptables rules; outcome classification of HTTP answers never claims more than it saw.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHAOS_CHAIN, describePartition, grudgeFor, partitionRules } from '../../jepsen-lite/chaos/grudge.js';
import { classifyStatus, statementError, statementOutcome } from '../../jepsen-lite/chaos/http-client.js';
import { offsetText } from '../../jepsen-lite/chaos/nemesis/clock.js';
import { seriesOf } from '../../jepsen-lite/chaos/probe.js';
import { faultLabel } from '../../jepsen-lite/chaos/campaign.js';
import { describeFault, FAULT_KINDS, generateSchedule, kindsForNodeCount } from '../../jepsen-lite/chaos/schedule.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('schedule generator', () => {
  const options = { nodes, durationMs: 120_000, kinds: FAULT_KINDS, electionTimeoutMs: 3_000 };

  it('schedules every kind somewhere over many seeds, a leader isolation without naming a node', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      for (const f of generateSchedule({ ...options, seed }).faults) {
        seen.add(f.fault.kind === 'partition' ? `partition-${f.fault.spec.kind}` : f.fault.kind === 'kill' ? (f.fault.wipe ? 'kill-wipe' : 'kill') : f.fault.kind);
        if (f.fault.kind === 'isolate-leader') assert.deepEqual(f.fault, { kind: 'isolate-leader' });
      }
    }
    assert.deepEqual([...seen].sort(), ['clock-skew', 'drain', 'isolate-leader', 'kill', 'kill-wipe', 'partition-bridge', 'partition-isolate', 'partition-one-way', 'partition-split', 'pause', 'slow-cpu']);
  });

  it('names each fault kind back from its description (the campaign figures count by kind)', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 50; seed++) {
      for (const f of generateSchedule({ ...options, seed }).faults) seen.add(faultLabel(describeFault(f.fault)));
    }
    assert.deepEqual([...seen].sort(), [...FAULT_KINDS].sort());
  });

  it('gives the same schedule for the same seed and a different one for another seed', () => {
    const a = generateSchedule({ ...options, seed: 42 });
    const b = generateSchedule({ ...options, seed: 42 });
    const c = generateSchedule({ ...options, seed: 43 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.faults, c.faults);
    assert.ok(a.faults.length >= 5, `${a.faults.length} faults in two minutes`);
  });

  it('keeps faults sequential, inside the workload with a quiet tail, and pauses past the election timeout', () => {
    for (let seed = 0; seed < 200; seed++) {
      const s = generateSchedule({ ...options, seed });
      let end = 0;
      let drained: string | null = null;
      for (const f of s.faults) {
        assert.ok(f.atMs >= end, `seed ${seed}: faults overlap`);
        end = f.atMs + f.durationMs;
        assert.ok(end <= s.durationMs - 3_000, `seed ${seed}: fault not healed before the quiet tail`);
        if (f.fault.kind === 'pause') assert.ok(f.durationMs > 3_000, `seed ${seed}: pause shorter than the election timeout`);
        // A minority of the nodes still members: 2 of 5, 1 of the 4 left after a drain.
        if (f.fault.kind === 'partition' && f.fault.spec.kind === 'split') assert.equal(f.fault.spec.minority.length, drained === null ? 2 : 1);
        if ('node' in f.fault) assert.notEqual(f.fault.node, drained, `seed ${seed}: a fault targets the drained node`);
        if (f.fault.kind === 'partition') assert.ok(!JSON.stringify(f.fault.spec).includes(`"${drained}"`), `seed ${seed}: a partition names the drained node`);
        if (f.fault.kind === 'drain') {
          assert.equal(drained, null, `seed ${seed}: two drains in one run`);
          drained = f.fault.node;
        }
      }
      assert.ok(s.workload.clients >= 3 && s.workload.clients <= 6);
    }
  });

  it('drops kinds that need more nodes, and gives a fault-free run without kinds', () => {
    assert.deepEqual(kindsForNodeCount(['partition-isolate', 'partition-bridge', 'kill'], 1), ['kill']);
    assert.deepEqual(kindsForNodeCount(['partition-isolate', 'partition-bridge'], 2), ['partition-isolate']);
    assert.deepEqual(kindsForNodeCount(['drain', 'partition-leader', 'kill-wipe'], 2), ['partition-leader', 'kill-wipe']);
    assert.deepEqual(kindsForNodeCount(['drain'], 3), ['drain']);
    assert.equal(generateSchedule({ ...options, seed: 1, kinds: [] }).faults.length, 0);
    assert.throws(() => generateSchedule({ ...options, seed: -1 }), /seed/);
  });
});

describe('grudges and rules', () => {
  const three = ['n1', 'n2', 'n3'];
  const addressOf = (n: string): string => `10.77.9.${n.slice(1)}`;

  it('isolates one node from every peer, both ways', () => {
    const g = grudgeFor(three, { kind: 'isolate', node: 'n3' });
    assert.deepEqual([...g.get('n3')!].sort(), ['n1', 'n2']);
    assert.deepEqual([...g.get('n1')!], ['n3']);
    assert.equal(describePartition(three, { kind: 'isolate', node: 'n3' }), 'isolate: n1 -x- n3, n2 -x- n3');
  });

  it('splits a minority from the majority, and bridges two halves through the middle node', () => {
    const split = grudgeFor(nodes, { kind: 'split', minority: ['n2', 'n4'] });
    assert.deepEqual([...split.get('n2')!].sort(), ['n1', 'n3', 'n5']);
    assert.deepEqual([...split.get('n1')!].sort(), ['n2', 'n4']);
    const bridge = grudgeFor(nodes, { kind: 'bridge', order: ['n5', 'n1', 'n3', 'n2', 'n4'] });
    assert.deepEqual([...bridge.get('n3')!], [], 'the bridge node sees everybody');
    assert.deepEqual([...bridge.get('n5')!].sort(), ['n2', 'n4']);
    assert.throws(() => grudgeFor(three, { kind: 'isolate', node: 'n9' }), /unknown node/);
  });

  it('writes DROP rules into the harness chain only, and one-way cuts by destination port', () => {
    const rules = partitionRules({ nodes: three, spec: { kind: 'isolate', node: 'n1' }, addressOf, servicePorts: [8086] });
    assert.deepEqual(rules.get('n2'), [['-A', CHAOS_CHAIN, '-s', '10.77.9.1', '-j', 'DROP'], ['-A', CHAOS_CHAIN, '-d', '10.77.9.1', '-j', 'DROP']]);
    assert.equal(rules.get('n1')!.length, 4);
    const oneWay = partitionRules({ nodes: three, spec: { kind: 'one-way', from: 'n1', to: 'n2' }, addressOf, servicePorts: [8086, 8089] });
    assert.deepEqual(oneWay.get('n1'), [
      ['-A', CHAOS_CHAIN, '-d', '10.77.9.2', '-p', 'tcp', '--dport', '8086', '-j', 'DROP'],
      ['-A', CHAOS_CHAIN, '-d', '10.77.9.2', '-p', 'tcp', '--dport', '8089', '-j', 'DROP'],
    ]);
    assert.deepEqual(oneWay.get('n2')![0], ['-A', CHAOS_CHAIN, '-s', '10.77.9.1', '-p', 'tcp', '--dport', '8086', '-j', 'DROP']);
    assert.deepEqual(oneWay.get('n3'), []);
  });
});

describe('outcome classification', () => {
  it('only a 2xx is ok; a gateway connect failure and a 4xx are fail; 5xx, partial writes are unknown', () => {
    assert.equal(classifyStatus(204, '', undefined), 'ok');
    assert.equal(classifyStatus(502, '', 'connect-failed'), 'fail');
    assert.equal(classifyStatus(502, '', undefined), 'unknown');
    assert.equal(classifyStatus(404, '{"error":"database not found"}', undefined), 'fail');
    assert.equal(classifyStatus(400, '{"error":"partial write: field type conflict"}', undefined), 'unknown');
    assert.equal(classifyStatus(500, '', undefined), 'unknown');
    assert.equal(classifyStatus(503, '{"error":"node is draining"}', undefined), 'unknown');
    assert.equal(classifyStatus(503, '{"error":"node is disconnected: it does not take writes now"}', undefined), 'unknown');
    // The cluster's refusal before any side effect (too few reachable members) is a definite fail.
    assert.equal(classifyStatus(503, '{"error":"cluster unavailable: consistency quorum needs 2 of 3 nodes, 1 reachable"}\n', undefined), 'fail');
    assert.equal(classifyStatus(504, '{"error":"replication quorum timeout: 0/1 peer acks received within 3000ms"}', undefined), 'unknown');
  });

  it('a statement error is a fail only when it is a refusal before any change', () => {
    assert.equal(statementOutcome('database not found: x'), 'fail');
    assert.equal(statementOutcome('error parsing query: found EOF'), 'fail');
    assert.equal(statementOutcome('the cluster has no reachable Raft leader (no leader is known); schema changes and membership changes are unavailable'), 'unknown');
    assert.equal(statementOutcome('the change is committed (index 12) but this node has not applied it yet; retry the request'), 'unknown');
  });

  it('finds a statement error inside a 200 answer', () => {
    assert.equal(statementError({ results: [{ statement_id: 0 }] }), null);
    assert.equal(statementError({ results: [{ error: 'database not found: x' }] }), 'database not found: x');
    assert.equal(statementError(null), 'answer is not JSON');
  });

  it('reads a series without rows (InfluxDB omits `values`) as empty', () => {
    const empty = { results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'] }] }] };
    assert.deepEqual(seriesOf(empty), [{ columns: ['name'], values: [] }]);
    assert.deepEqual(seriesOf({ results: [{ statement_id: 0 }] }), []);
  });

  it('writes libfaketime offsets', () => {
    assert.equal(offsetText(0), '+0');
    assert.equal(offsetText(30), '+30s');
    assert.equal(offsetText(-7200), '-7200s');
    assert.throws(() => offsetText(1.5), /whole seconds/);
  });
});
