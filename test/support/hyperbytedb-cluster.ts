// Starts an N-node HyperbyteDB cluster of real processes on 127.0.0.1 (free HTTP and Raft ports,
// temp data dirs), for real-process tests. Nodes can be killed and started again with their data.
// Everything is bounded in time; stop() removes the data dirs unless asked to keep them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port.js';
import { startHyperbytedb, type HyperbytedbHandle } from './hyperbytedb-server.js';

export interface ClusterNode {
  readonly id: string;
  readonly httpPort: number;
  readonly raftPort: number;
  readonly dataDir: string;
  readonly url: string;
  handle: HyperbytedbHandle | null;
}

export interface TestCluster {
  readonly nodes: ClusterNode[];
  readonly secret: string;
  /** Starts a stopped or killed node again with its data directory (and the same ports). */
  start(id: string): Promise<void>;
  /** SIGKILL (or another signal) to one node; its data stays. */
  kill(id: string, signal?: NodeJS.Signals): Promise<void>;
  /** Waits until every running node sees a leader and every node registered and reachable. */
  waitReady(timeoutMs?: number): Promise<void>;
  node(id: string): ClusterNode;
  /** Starts one more node that joins through `seed` (--join); it is not in the others' peer lists. */
  addNode(seed: string): Promise<ClusterNode>;
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  readonly size?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly keepData?: boolean;
  /** Node flags for every node process (profiling). */
  readonly nodeArgs?: readonly string[];
}

async function getJson(url: string, timeoutMs = 2_000): Promise<unknown> {
  const res = await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`${url}: ${res.statusCode}`);
  }
  return res.body.json();
}

export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  const size = options.size ?? 3;
  const root = await mkdtemp(join(tmpdir(), 'hb-cluster-'));
  const secret = `test-secret-${process.pid}-${Date.now()}`;
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < size; i++) {
    const httpPort = await freePort();
    const raftPort = await freePort();
    nodes.push({ id: `n${i + 1}`, httpPort, raftPort, dataDir: join(root, `n${i + 1}`), url: `http://127.0.0.1:${httpPort}`, handle: null });
  }
  const peers = nodes.map((n) => `${n.id}=127.0.0.1:${n.raftPort}`).join(',');
  const byId = (id: string): ClusterNode => {
    const node = nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  };
  const joiners = new Map<string, string>();
  const start = async (id: string): Promise<void> => {
    const node = byId(id);
    const seed = joiners.get(id);
    node.handle = await startHyperbytedb({
      dataDir: node.dataDir,
      port: node.httpPort,
      ...(seed ? { extraArgs: ['--join', seed] } : {}),
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      env: {
        HYPERBYTEDB__CLUSTER__NODE_ID: node.id,
        HYPERBYTEDB__CLUSTER__PEERS: seed ? `${node.id}=127.0.0.1:${node.raftPort}` : peers,
        // Seeds: a node that lost its data (or a new one) joins through the others.
        HYPERBYTEDB__CLUSTER__JOIN: seed ?? nodes.filter((n) => n.id !== node.id).map((n) => `127.0.0.1:${n.httpPort}`).join(','),
        HYPERBYTEDB__CLUSTER__RAFT_PORT: String(node.raftPort),
        HYPERBYTEDB__CLUSTER__SECRET: secret,
        HYPERBYTEDB__CLUSTER__HEARTBEAT_INTERVAL_SECS: '0.5',
        HYPERBYTEDB__CLUSTER__WRITE_TIMEOUT: '5s',
        ...(options.env ?? {}),
      },
    });
  };
  const cluster: TestCluster = {
    nodes,
    secret,
    start,
    node: byId,
    async kill(id, signal = 'SIGKILL') {
      const node = byId(id);
      await node.handle?.kill(signal);
      node.handle = null;
    },
    async waitReady(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        try {
          const running = nodes.filter((n) => n.handle !== null);
          const views = await Promise.all(running.map((n) => getJson(`${n.url}/cluster/nodes`) as Promise<{ nodes: Array<{ node_id: string; state: string; reachable: boolean }> }>));
          const leaders = await Promise.all(running.map((n) => getJson(`${n.url}/cluster/leader`) as Promise<{ leader_id: string | null }>));
          const ok = leaders.every((l) => l.leader_id !== null) && views.every((v) => running.every((n) => v.nodes.some((x) => x.node_id === n.id && x.state === 'active' && x.reachable)));
          if (ok) return;
          last = JSON.stringify({ leaders, views });
        } catch (error) {
          last = String(error);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`cluster not ready within ${timeoutMs} ms: ${last}\n${nodes.map((n) => `--- ${n.id}\n${n.handle?.output().slice(-3000) ?? '(stopped)'}`).join('\n')}`);
    },
    async addNode(seed) {
      const httpPort = await freePort();
      const raftPort = await freePort();
      const node: ClusterNode = { id: `n${nodes.length + 1}`, httpPort, raftPort, dataDir: join(root, `n${nodes.length + 1}`), url: `http://127.0.0.1:${httpPort}`, handle: null };
      nodes.push(node);
      joiners.set(node.id, seed);
      await start(node.id);
      return node;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.handle?.kill('SIGKILL')));
      for (const n of nodes) n.handle = null;
      if (!options.keepData) await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((n) => start(n.id)));
    await cluster.waitReady();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
