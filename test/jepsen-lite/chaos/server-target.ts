// A chaos target made of real `hyperbytedb serve` processes, one per node namespace, reached only
// through the gateway. The single-node preset runs today's server; the cluster adds its own preset
// (argv with peers, a probe over the cluster endpoints, replicated: true, a drain).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot, serverEntry } from '../../support/hyperbytedb-server.js';
import { Gateway } from './gateway.js';
import { NodeClient } from './http-client.js';
import { NetnsNetwork } from './netns.js';
import { clockArgv } from './nemesis/clock.js';
import type { ControlledNode, InstalledFault, NemesisContext } from './nemesis/nemesis.js';
import { NodeProcess, type ExitRecord } from './node-process.js';
import { QueryProbe, type NodeProbe } from './probe.js';
import { CHAOS_DB, DELETE_MEASUREMENT, MEASUREMENT } from './workload.js';

export interface ChaosTarget {
  readonly nodes: readonly string[];
  readonly clients: ReadonlyMap<string, NodeClient>;
  readonly probes: ReadonlyMap<string, NodeProbe>;
  readonly nemesis: NemesisContext;
  /** Whether leaderTerm() samples mean anything (Raft inside the target). */
  readonly hasLeaders: boolean;
  logTail(node: string, lines?: number): string;
  /** Exits no nemesis asked for (crashes), per node. */
  unexpectedExits(): Array<ExitRecord & { readonly node: string }>;
  destroy(): Promise<void>;
}

export interface NodeLaunch {
  readonly node: string;
  readonly address: string;
  readonly port: number;
  readonly dataDir: string;
}

/** What a target's drain needs to reach a node from inside the run's network. */
export interface DrainTools {
  readonly network: NetnsNetwork;
  readonly address: string;
  readonly port: number;
}

export interface ServerTargetOptions {
  readonly nodes: readonly string[];
  readonly runDir: string;
  /** HTTP port of every node (each inside its own namespace). */
  readonly port: number;
  /** Extra TCP ports the nodes listen on (Raft, …), for one-way cuts. */
  readonly extraPorts?: readonly number[];
  /** `serve` arguments after the standard --port/--bind/--data-dir. */
  readonly serveArgs?: (launch: NodeLaunch) => readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Per-node environment, over `env` (node id, peers, …); `addressOf` names any node's address. */
  readonly envFor?: (launch: NodeLaunch, addressOf: (node: string) => string) => Readonly<Record<string, string>>;
  /** Resolves once a (re)started node serves; /ping answering by default. */
  readonly ready?: (client: NodeClient, signal: AbortSignal) => Promise<void>;
  /** Start every node under libfaketime so the clock nemesis can skew it. */
  readonly clock: boolean;
  readonly replicated: boolean;
  readonly hasLeaders?: boolean;
  readonly probeFor?: (client: NodeClient) => NodeProbe;
  readonly drain?: (node: string, tools: DrainTools) => Promise<InstalledFault>;
  readonly opTimeoutMs: number;
  readonly connectionsPerNode: number;
  readonly startTimeoutMs?: number;
}

async function untilPing(client: NodeClient, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    if (await client.ping(1_000)) return;
    await sleep(100, undefined, { signal }).catch(() => undefined);
  }
}

/** The leader named in the highest term any node reports now; null when none names one. */
export async function currentLeader(probes: ReadonlyMap<string, NodeProbe>): Promise<string | null> {
  const views = await Promise.all([...probes.values()].map((p) => p.leaderTerm().catch(() => null)));
  let best: { term: number; leader: string } | null = null;
  for (const v of views) if (v?.leader != null && (best === null || v.term > best.term)) best = { term: v.term, leader: v.leader };
  return best?.leader ?? null;
}

/** Starts the network, the gateway and every node; on any failure tears down what it started. */
export async function startServerTarget(options: ServerTargetOptions): Promise<ChaosTarget> {
  const logs = join(options.runDir, 'nodes');
  mkdirSync(logs, { recursive: true });
  const network = await NetnsNetwork.create({ nodes: options.nodes });
  const started: { gateway?: Gateway; processes: NodeProcess[]; clients: NodeClient[] } = { processes: [], clients: [] };
  const teardown = async (): Promise<void> => {
    await Promise.all(started.processes.map((p) => p.stop().catch(() => undefined)));
    await Promise.all(started.clients.map((c) => c.close().catch(() => undefined)));
    await started.gateway?.stop().catch(() => undefined);
    await network.destroy();
  };
  try {
    const gateway = await Gateway.start({ network, port: options.port, logPath: join(logs, 'gateway.log') });
    started.gateway = gateway;
    const clients = new Map<string, NodeClient>();
    const probes = new Map<string, NodeProbe>();
    const controlled = new Map<string, ControlledNode>();
    for (const node of options.nodes) {
      const address = network.addressOf(node);
      const client = new NodeClient({
        node, origin: `http://${address}:${options.port}`, socketPath: gateway.socketPathOf(node),
        timeoutMs: options.opTimeoutMs, connections: options.connectionsPerNode,
      });
      started.clients.push(client);
      clients.set(node, client);
      const probeClient = new NodeClient({ node, origin: `http://${address}:${options.port}`, socketPath: gateway.socketPathOf(node), timeoutMs: 30_000, connections: 2 });
      started.clients.push(probeClient);
      probes.set(node, options.probeFor?.(probeClient) ?? new QueryProbe({ client: probeClient, digestOf: [[CHAOS_DB, MEASUREMENT], [CHAOS_DB, DELETE_MEASUREMENT]] }));
      const dataDir = join(options.runDir, 'data', node);
      mkdirSync(dataDir, { recursive: true });
      const clockFile = options.clock ? join(options.runDir, 'nodes', `${node}.faketime`) : null;
      const prefix = clockFile === null ? [] : clockArgv(clockFile);
      if (prefix === null) throw new Error('libfaketime is not installed (apt-get install faketime)');
      const launch: NodeLaunch = { node, address, port: options.port, dataDir };
      const proc = new NodeProcess({
        id: node,
        argv: network.execArgv(node, [
          ...prefix, process.execPath, '--import', 'tsx', serverEntry, 'serve',
          '--port', String(options.port), '--bind', address, '--data-dir', dataDir, ...(options.serveArgs?.(launch) ?? []),
        ]),
        cwd: repoRoot,
        env: { ...(options.env ?? {}), ...(options.envFor?.(launch, (n) => network.addressOf(n)) ?? {}) },
        logPath: join(logs, `${node}.log`),
        readyTimeoutMs: options.startTimeoutMs ?? 90_000,
        ready: (_p, signal) => (options.ready ?? untilPing)(client, signal),
      });
      started.processes.push(proc);
      controlled.set(node, {
        id: node, clockFile,
        pid: () => proc.pid, alive: () => proc.alive, kill: () => proc.kill('SIGKILL'),
        pause: () => proc.pause(), resume: () => proc.resume(), restart: () => proc.start(),
        wipe: async () => {
          if (proc.alive) throw new Error(`${node} is running; wipe only a stopped node`);
          rmSync(dataDir, { recursive: true, force: true });
          mkdirSync(dataDir, { recursive: true });
        },
      });
    }
    await Promise.all(started.processes.map((p) => p.start()));
    const processes = new Map(started.processes.map((p) => [p.id, p]));
    const drain = options.drain;
    return {
      nodes: options.nodes, clients, probes, hasLeaders: options.hasLeaders ?? false,
      nemesis: {
        network, nodes: controlled, servicePorts: [options.port, ...(options.extraPorts ?? [])],
        replicated: options.replicated,
        drain: drain === undefined ? null : (node) => drain(node, { network, address: network.addressOf(node), port: options.port }),
        leader: options.hasLeaders ? () => currentLeader(probes) : null,
      },
      logTail: (node, lines = 50) => processes.get(node)?.logTail(lines) ?? '',
      unexpectedExits: () => started.processes.flatMap((p) => p.unexpectedExits().map((e) => ({ ...e, node: p.id }))),
      destroy: teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

export interface SingleNodeOptions {
  readonly runDir: string;
  readonly clock: boolean;
  readonly opTimeoutMs: number;
  readonly connections: number;
  /** Seconds between WAL flushes; short, so kills land between and during flushes. */
  readonly flushIntervalSecs?: number;
}

/** Today's single-node server as a chaos target (no replicas: kill-and-wipe is skipped). */
export function startSingleNodeTarget(options: SingleNodeOptions): Promise<ChaosTarget> {
  return startServerTarget({
    nodes: ['n1'], runDir: options.runDir, port: 8086, clock: options.clock, replicated: false,
    env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: String(options.flushIntervalSecs ?? 1) },
    opTimeoutMs: options.opTimeoutMs, connectionsPerNode: options.connections,
  });
}
