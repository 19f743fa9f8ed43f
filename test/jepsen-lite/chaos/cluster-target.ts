// A HyperbyteDB cluster of 3 to 5 real node processes as a chaos target: one node per namespace,
// Raft and HTTP on each node's own address, a shared secret, every node able to re-join through
// the others after a wipe. A (re)started node counts as up once it reports itself Active; the
// drain is the operator's `hyperbytedb cluster drain`, run inside the switch namespace.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { repoRoot, serverEntry } from '../../support/hyperbytedb-server.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterProbe } from './cluster-probe.js';
import type { NodeClient } from './http-client.js';
import { outcome, type InstalledFault, type NemesisOutcome } from './nemesis/nemesis.js';
import { startServerTarget, type ChaosTarget, type DrainTools } from './server-target.js';

export const CLUSTER_HTTP_PORT = 8086;
export const CLUSTER_RAFT_PORT = 8089;

/** Test-speed timings: fast heartbeats and anti-entropy so a run converges well within 60 s. */
export interface ClusterTimings {
  readonly heartbeatIntervalSecs: number;
  /** Below the clients' deadline, so a replication timeout comes back as a 504, not a cut. */
  readonly writeTimeout: string;
  readonly syncInterval: string;
  readonly startupSyncTimeout: string;
  readonly flushIntervalSecs: number;
  readonly drainTimeout: string;
}

export const CHAOS_CLUSTER_TIMINGS: ClusterTimings = {
  heartbeatIntervalSecs: 0.5, writeTimeout: '3s', syncInterval: '3s', startupSyncTimeout: '20s', flushIntervalSecs: 1, drainTimeout: '60s',
};

export interface ClusterTargetOptions {
  readonly nodes: readonly string[];
  readonly runDir: string;
  readonly clock: boolean;
  readonly opTimeoutMs: number;
  readonly connections: number;
  readonly timings?: Partial<ClusterTimings>;
  readonly startTimeoutMs?: number;
  /** The cluster's shared secret (random by default); a reproduction passes its own to sign peer requests. */
  readonly secret?: string;
}

interface NodeViewJson {
  readonly nodes?: ReadonlyArray<{ readonly node_id: string; readonly self: boolean; readonly state: string }>;
}

/** Ready once the node answers and reports itself Active (it sees a leader and holds what it must). */
export async function untilActive(client: NodeClient, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const answer = await client.getJson('/cluster/nodes', 2_000);
    if (answer.outcome === 'ok' && (answer.json as NodeViewJson).nodes?.some((n) => n.self && n.state === 'active')) return;
    await sleep(200, undefined, { signal }).catch(() => undefined);
  }
}

function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const [command, ...args] = argv;
  return new Promise((resolve) => {
    execFile(command!, args, { cwd: repoRoot, env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : null;
      resolve({ code, output: `${String(stdout)}${String(stderr)}`.trim() });
    });
  });
}

/** The environment of a CLI call: the harness's own, minus node settings and LD_PRELOAD, plus the secret. */
function cliEnv(secret: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('HYPERBYTEDB__') && k !== 'LD_PRELOAD' && !k.startsWith('NODE_TEST')) env[k] = v;
  }
  return { ...env, HYPERBYTEDB__CLUSTER__SECRET: secret };
}

/** `hyperbytedb cluster drain` to its end; a drain that fails or times out is aborted at heal. */
async function drainNode(node: string, tools: DrainTools, secret: string, drainTimeout: string, drainTimeoutMs: number): Promise<InstalledFault> {
  const target = `${tools.address}:${tools.port}`;
  const cli = (args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> =>
    runCli(tools.network.execInSwitch([process.execPath, '--import', 'tsx', serverEntry, 'cluster', 'drain', '--node', target, ...args]), cliEnv(secret), timeoutMs);
  // The CLI follows the drain for its timeout plus a margin for the leave; ours ends later still.
  const drained = await cli(['--yes', '--timeout', drainTimeout], drainTimeoutMs + 150_000);
  const tail = drained.output.split('\n').slice(-3).join(' ').slice(0, 600);
  if (drained.code === 0) {
    return { outcome: outcome('installed', `${node} drained and left: ${tail}`), heal: () => Promise.resolve(outcome('skipped', 'a drain is not undone')) };
  }
  const heal = async (): Promise<NemesisOutcome> => {
    const aborted = await cli(['--abort'], 60_000);
    return aborted.code === 0 ? outcome('installed', `drain of ${node} aborted: ${aborted.output.slice(0, 300)}`)
      : outcome('indeterminate', `drain of ${node} could not be aborted (exit ${aborted.code}): ${aborted.output.slice(0, 600)}`);
  };
  return { outcome: outcome('indeterminate', `drain of ${node} did not complete (exit ${drained.code}): ${tail}`), heal };
}

function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(text);
  if (!match) throw new Error(`duration ${text}: use ms, s or m`);
  return Number(match[1]) * (match[2] === 'ms' ? 1 : match[2] === 's' ? 1_000 : 60_000);
}

export function startClusterTarget(options: ClusterTargetOptions): Promise<ChaosTarget> {
  if (options.nodes.length < 3 || options.nodes.length > 5) throw new Error(`a chaos cluster has 3 to 5 nodes, got ${options.nodes.length}`);
  const t = { ...CHAOS_CLUSTER_TIMINGS, ...(options.timings ?? {}) };
  const secret = options.secret ?? `chaos-${randomBytes(12).toString('hex')}`;
  return startServerTarget({
    nodes: options.nodes, runDir: options.runDir, port: CLUSTER_HTTP_PORT, extraPorts: [CLUSTER_RAFT_PORT],
    clock: options.clock, replicated: true, hasLeaders: true,
    env: {
      HYPERBYTEDB__CLUSTER__RAFT_PORT: String(CLUSTER_RAFT_PORT),
      HYPERBYTEDB__CLUSTER__SECRET: secret,
      HYPERBYTEDB__CLUSTER__HEARTBEAT_INTERVAL_SECS: String(t.heartbeatIntervalSecs),
      HYPERBYTEDB__CLUSTER__WRITE_TIMEOUT: t.writeTimeout,
      HYPERBYTEDB__CLUSTER__SYNC_INTERVAL: t.syncInterval,
      HYPERBYTEDB__CLUSTER__STARTUP_SYNC_TIMEOUT: t.startupSyncTimeout,
      HYPERBYTEDB__CLUSTER__DRAIN_TIMEOUT: t.drainTimeout,
      HYPERBYTEDB__FLUSH__INTERVAL_SECS: String(t.flushIntervalSecs),
    },
    envFor: (launch, addressOf) => ({
      HYPERBYTEDB__CLUSTER__NODE_ID: launch.node,
      // Every initial member's Raft address; the others' HTTP addresses to re-join through after a wipe.
      HYPERBYTEDB__CLUSTER__PEERS: options.nodes.map((n) => `${n}=${addressOf(n)}:${CLUSTER_RAFT_PORT}`).join(','),
      HYPERBYTEDB__CLUSTER__JOIN: options.nodes.filter((n) => n !== launch.node).map((n) => `${addressOf(n)}:${CLUSTER_HTTP_PORT}`).join(','),
    }),
    ready: untilActive,
    probeFor: (client) => new ClusterProbe(client),
    drain: (node, tools) => drainNode(node, tools, secret, t.drainTimeout, durationMs(t.drainTimeout)),
    opTimeoutMs: options.opTimeoutMs, connectionsPerNode: options.connections,
    startTimeoutMs: options.startTimeoutMs ?? 180_000,
  });
}
