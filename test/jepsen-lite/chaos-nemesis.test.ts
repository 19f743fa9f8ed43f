// The harness's nemeses on real processes and sockets: three TCP agents in their own network
// namespaces. A message crosses before a partition, not during it, and again after heal; one-way
// cuts block one direction only; pause, clock skew, CPU starvation and kill do what they claim;
// teardown and leftover cleanup remove exactly the harness's own namespaces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './chaos/command.js';
import { clockArgv, CLOCK_EFFECTIVE_MS, libfaketimePath } from './chaos/nemesis/clock.js';
import { cpuCgroupDir, detectCpuLimiter, installCpuStarve, throttledPeriods } from './chaos/nemesis/cpu-starve.js';
import { installFault } from './chaos/nemesis/install.js';
import type { ControlledNode, NemesisContext } from './chaos/nemesis/nemesis.js';
import { processState } from './chaos/nemesis/process-faults.js';
import { NetnsNetwork, netnsAvailability, removeLeftovers } from './chaos/netns.js';
import { NodeProcess } from './chaos/node-process.js';
import type { AgentRequest, ProbeResult } from './chaos/tcp-agent.js';

const AGENT = fileURLToPath(new URL('./chaos/tcp-agent.ts', import.meta.url));
const PORT = 7000;
const availability = await netnsAvailability();
const skip = availability.available ? false : availability.reason;

let nextRequest = 1;
function ask<T>(agent: NodeProcess, request: AgentRequest, timeoutMs = 10_000): Promise<T> {
  const child = agent.handle;
  if (!child || !agent.alive) return Promise.reject(new Error(`${agent.id} is not running`));
  const id = nextRequest++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${agent.id}: ${request.op} timed out`)), timeoutMs);
    const onMessage = (message: { reply?: number; result?: unknown }): void => {
      if (message.reply !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.result as T);
    };
    child.on('message', onMessage);
    child.send({ id, request });
  });
}

describe('chaos nemeses on real processes in network namespaces', { skip, timeout: 180_000 }, () => {
  const nodes = ['n1', 'n2', 'n3'];
  let dir: string;
  let network: NetnsNetwork;
  const agents = new Map<string, NodeProcess>();
  let ctx: NemesisContext;
  let hostIptables: string;

  /** Which ordered pairs can exchange a message right now ("n1>n2" = n1 reached n2's listener). */
  async function reach(timeoutMs = 1_500): Promise<Map<string, ProbeResult>> {
    const results = new Map<string, ProbeResult>();
    await Promise.all(nodes.flatMap((a) => nodes.filter((b) => b !== a).map(async (b) => {
      results.set(`${a}>${b}`, await ask<ProbeResult>(agents.get(a)!, { op: 'probe', host: network.addressOf(b), port: PORT, timeoutMs }));
    })));
    return results;
  }
  const okPairs = (m: Map<string, ProbeResult>): string[] => [...m].filter(([, r]) => r === 'ok').map(([k]) => k).sort();
  const fullMesh = ['n1>n2', 'n1>n3', 'n2>n1', 'n2>n3', 'n3>n1', 'n3>n2'];

  before(async () => {
    hostIptables = await run(['iptables', '-S']);
    dir = mkdtempSync(join(tmpdir(), 'hbj-nemesis-'));
    network = await NetnsNetwork.create({ nodes });
    const controlled = new Map<string, ControlledNode>();
    for (const node of nodes) {
      const clockFile = join(dir, `${node}.faketime`);
      const agent = new NodeProcess({
        id: node,
        argv: network.execArgv(node, [...(clockArgv(clockFile) ?? []), process.execPath, '--import', 'tsx', AGENT, network.addressOf(node), String(PORT)]),
        logPath: join(dir, `${node}.log`),
        ipc: true,
        readyTimeoutMs: 30_000,
        ready: (proc) => new Promise<void>((resolve) => {
          proc.handle?.on('message', (m: { event?: string }) => {
            if (m.event === 'ready') resolve();
          });
        }),
      });
      agents.set(node, agent);
      controlled.set(node, {
        id: node, clockFile: clockArgv(clockFile) === null ? null : clockFile,
        pid: () => agent.pid, alive: () => agent.alive, kill: () => agent.kill('SIGKILL'),
        pause: () => agent.pause(), resume: () => agent.resume(), restart: () => agent.start(),
        wipe: () => Promise.reject(new Error('agents have no data')),
      });
    }
    await Promise.all([...agents.values()].map((a) => a.start()));
    ctx = { network, nodes: controlled, servicePorts: [PORT], replicated: false, drain: null, leader: null };
  });

  after(async () => {
    try {
      await Promise.all([...agents.values()].map((a) => a.stop()));
      await network?.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts with a full mesh between node namespaces', async () => {
    assert.deepEqual(okPairs(await reach()), fullMesh);
  });

  it('isolate: a message crosses before, not during, and again after heal', async () => {
    const fault = await installFault(ctx, { kind: 'partition', spec: { kind: 'isolate', node: 'n3' } });
    assert.equal(fault.outcome.status, 'installed', fault.outcome.detail);
    const during = await reach();
    assert.deepEqual(okPairs(during), ['n1>n2', 'n2>n1']);
    assert.equal(during.get('n1>n3'), 'timeout', 'packets vanish (DROP), they are not refused');
    assert.equal((await fault.heal()).status, 'installed');
    assert.deepEqual(okPairs(await reach()), fullMesh);
  });

  it('bridge: the middle node sees both sides, the sides do not see each other', async () => {
    const fault = await installFault(ctx, { kind: 'partition', spec: { kind: 'bridge', order: ['n1', 'n2', 'n3'] } });
    assert.equal(fault.outcome.status, 'installed');
    assert.deepEqual(okPairs(await reach()), ['n1>n2', 'n2>n1', 'n2>n3', 'n3>n2']);
    await fault.heal();
    assert.deepEqual(okPairs(await reach()), fullMesh);
  });

  it('split: the minority loses the majority, the majority keeps itself', async () => {
    const fault = await installFault(ctx, { kind: 'partition', spec: { kind: 'split', minority: ['n2'] } });
    assert.deepEqual(okPairs(await reach()), ['n1>n3', 'n3>n1']);
    await fault.heal();
    assert.deepEqual(okPairs(await reach()), fullMesh);
  });

  it('one-way: n1 cannot reach n2, n2 still reaches n1', async () => {
    const fault = await installFault(ctx, { kind: 'partition', spec: { kind: 'one-way', from: 'n1', to: 'n2' } });
    assert.equal(fault.outcome.status, 'installed');
    const during = await reach();
    assert.equal(during.get('n1>n2'), 'timeout');
    assert.equal(during.get('n2>n1'), 'ok');
    assert.deepEqual(okPairs(during), fullMesh.filter((p) => p !== 'n1>n2'));
    await fault.heal();
    assert.deepEqual(okPairs(await reach()), fullMesh);
  });

  it('pause: a stopped process accepts connections but answers nothing until SIGCONT', async () => {
    const pid = agents.get('n2')!.pid!;
    const fault = await installFault(ctx, { kind: 'pause', node: 'n2' });
    assert.equal(fault.outcome.status, 'installed', fault.outcome.detail);
    assert.equal(processState(pid), 'T');
    assert.equal(await ask(agents.get('n1')!, { op: 'probe', host: network.addressOf('n2'), port: PORT, timeoutMs: 1_000 }), 'timeout');
    assert.equal((await fault.heal()).status, 'installed');
    assert.equal(await ask(agents.get('n1')!, { op: 'probe', host: network.addressOf('n2'), port: PORT, timeoutMs: 2_000 }), 'ok');
  });

  it('clock skew: the node sees its wall clock shifted at run time, then back', { skip: libfaketimePath() === null ? 'libfaketime is not installed (apt-get install faketime)' : false }, async () => {
    const skewOf = async (): Promise<number> => (await ask<number>(agents.get('n3')!, { op: 'now' })) - Date.now();
    assert.ok(Math.abs(await skewOf()) < 1_000);
    const fault = await installFault(ctx, { kind: 'clock-skew', node: 'n3', offsetSeconds: 3600 });
    assert.equal(fault.outcome.status, 'installed');
    await new Promise((r) => setTimeout(r, CLOCK_EFFECTIVE_MS + 300));
    const skew = await skewOf();
    assert.ok(Math.abs(skew - 3_600_000) < 1_500, `skew ${skew} ms`);
    await fault.heal();
    await new Promise((r) => setTimeout(r, CLOCK_EFFECTIVE_MS + 300));
    assert.ok(Math.abs(await skewOf()) < 1_500);
  });

  // Work rates are printed, not asserted: on a loaded machine an unlimited process may get little
  // more CPU than a limited one. The assertions use evidence that does not depend on load.
  it('slow CPU: the node is throttled by a cgroup quota (or duty-cycled), then released', async () => {
    const limiter = detectCpuLimiter();
    const agent = agents.get('n1')!;
    const before = await ask<number>(agent, { op: 'burn', ms: 1_000 });
    const fault = await installFault(ctx, { kind: 'slow-cpu', node: 'n1', cpuPercent: 10 });
    assert.equal(fault.outcome.status, 'installed', fault.outcome.detail);
    const starved = await ask<number>(agent, { op: 'burn', ms: 1_000 });
    if (limiter.mode !== 'duty-cycle') {
      const cgroup = cpuCgroupDir(ctx, 'n1', limiter);
      assert.ok((throttledPeriods(cgroup) ?? 0) > 0, `no throttled period in ${cgroup}`);
      assert.equal((await fault.heal()).status, 'installed');
      assert.equal(existsSync(cgroup), false, 'the cgroup is removed at heal');
    } else {
      await fault.heal();
    }
    const afterHeal = await ask<number>(agent, { op: 'burn', ms: 1_000 });
    process.stdout.write(`# cpu limiter ${limiter.mode}: work per second ${before} → ${starved} at 10% → ${afterHeal} after heal\n`);
  });

  it('duty-cycle fallback stops the process most of the time, and leaves it running after heal', async () => {
    const agent = agents.get('n3')!;
    const pid = agent.pid!;
    const fault = await installCpuStarve(ctx, 'n3', 20, { mode: 'duty-cycle', reason: 'test' });
    assert.match(fault.outcome.detail, /duty cycle/);
    let stopped = 0;
    for (let i = 0; i < 50; i++) {
      if (processState(pid) === 'T') stopped++;
      await new Promise((r) => setTimeout(r, 7));
    }
    await fault.heal();
    process.stdout.write(`# duty cycle at 20%: stopped in ${stopped} of 50 samples\n`);
    assert.ok(stopped >= 10, `stopped in only ${stopped} of 50 samples`);
    assert.notEqual(processState(pid), 'T', 'left running after heal');
    assert.equal(await ask(agents.get('n1')!, { op: 'probe', host: network.addressOf('n3'), port: PORT, timeoutMs: 2_000 }), 'ok');
  });

  it('kill: the node is gone (connections refused) until heal restarts it; wipe is skipped without replicas', async () => {
    const wipe = await installFault(ctx, { kind: 'kill', node: 'n1', wipe: true });
    assert.equal(wipe.outcome.status, 'skipped');
    assert.ok(agents.get('n1')!.alive, 'a skipped kill-and-wipe kills nothing');
    const fault = await installFault(ctx, { kind: 'kill', node: 'n1', wipe: false });
    assert.equal(fault.outcome.status, 'installed');
    assert.equal(await ask(agents.get('n2')!, { op: 'probe', host: network.addressOf('n1'), port: PORT, timeoutMs: 2_000 }), 'refused');
    const healed = await fault.heal();
    assert.equal(healed.status, 'installed', healed.detail);
    assert.deepEqual(okPairs(await reach()), fullMesh);
    assert.equal(agents.get('n1')!.unexpectedExits().length, 0);
  });

  it('removes leftovers of dead runs only, and leaves the host namespace untouched', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const leftover = `hbj-${dead}-dead00-n1`;
    await run(['ip', 'netns', 'add', leftover]);
    const removed = await removeLeftovers();
    assert.ok(removed.includes(leftover), `removed ${removed.join(',')}`);
    const names = await run(['ip', 'netns', 'list']);
    assert.doesNotMatch(names, new RegExp(leftover));
    assert.match(names, new RegExp(network.nsOf('n1')), 'a live run keeps its namespaces');
    assert.doesNotMatch(await run(['ip', '-o', 'addr']), /10\.77\./, 'no harness address in the host namespace');
    assert.equal(await run(['iptables', '-S']), hostIptables, 'host iptables unchanged');
  });

  it('teardown removes every namespace of the run', async () => {
    const other = await NetnsNetwork.create({ nodes: ['a', 'b'] });
    const created = [other.switchNs, other.nsOf('a'), other.nsOf('b')];
    for (const ns of created) assert.match(await run(['ip', 'netns', 'list']), new RegExp(ns));
    await other.destroy();
    const names = await run(['ip', 'netns', 'list']);
    for (const ns of created) assert.doesNotMatch(names, new RegExp(ns));
  });
});
