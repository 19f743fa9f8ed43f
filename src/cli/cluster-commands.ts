// `hyperbytedb cluster …`: operator commands against a running node over its HTTP API, signed
// with the cluster secret from the config or environment. drain drives a graceful drain and
// follows it to the end; nodes, leader and manifest print what the node reports.

import { createInterface } from 'node:readline/promises';
import { PeerClient } from '../cluster/peer-client.js';
import { signingKey } from '../cluster/peer-auth.js';
import type { DrainStatus } from '../cluster/drain.js';
import type { Config } from './config-types.js';
import { parseDurationMs } from './config-schema.js';

export interface ClusterCommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

interface NodeTarget {
  readonly address: string;
  readonly client: PeerClient;
}

function target(config: Config, node: string | undefined): NodeTarget {
  const address = (node ?? `${config.server.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.server.bindAddress}:${config.server.port}`).replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (config.cluster.secret === '') throw new UsageError('the cluster secret is needed to sign the request: set cluster.secret in the config file or HYPERBYTEDB__CLUSTER__SECRET');
  const client = new PeerClient({ nodeId: 'cli', key: signingKey(config.cluster.secret), requestTimeoutMs: 30_000, connectionsPerPeer: 1, maxResponseBytes: 64 * 1024 * 1024, nowMs: () => Date.now() });
  return { address, client };
}

export class UsageError extends Error {}

async function getJson<T>(t: NodeTarget, path: string): Promise<T> {
  return JSON.parse((await t.client.requestOk(t.address, { method: 'GET', path })).toString('utf8')) as T;
}

async function postJson<T>(t: NodeTarget, path: string, body: object): Promise<T> {
  return JSON.parse((await t.client.requestOk(t.address, { method: 'POST', path, body: Buffer.from(JSON.stringify(body)), contentType: 'application/json' })).toString('utf8')) as T;
}

function describe(status: DrainStatus): string {
  const waits = [...status.lagging.map((l) => `${l.peer} misses ${l.behind} of ${l.origin}`), ...status.unreachable.map((p) => `${p} does not answer`)];
  return `${status.node_id}: ${status.state}, phase ${status.phase}${waits.length > 0 ? ` (waiting: ${waits.join('; ')})` : ''}${status.error ? ` — ${status.error}` : ''}`;
}

async function confirm(io: ClusterCommandIo, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) return false;
  const rl = createInterface({ input: io.stdin, output: io.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export interface DrainOptions {
  readonly node?: string | undefined;
  readonly timeout?: string | undefined;
  readonly yes?: boolean | undefined;
  readonly force?: boolean | undefined;
  readonly abort?: boolean | undefined;
  readonly wait?: boolean | undefined;
}

/** Exit code: 0 once the node is Leaving, 1 when the drain failed, 2 for usage problems. */
export async function runDrain(config: Config, options: DrainOptions, io: ClusterCommandIo): Promise<number> {
  const t = target(config, options.node);
  try {
    if (options.abort) {
      const status = await postJson<DrainStatus>(t, '/internal/drain/abort', {});
      io.stdout.write(`${describe(status)}\n`);
      return 0;
    }
    const timeoutMs = options.timeout === undefined ? config.cluster.drainTimeoutMs : parseDurationMs(options.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout must be a duration such as "60s" or "5m"; got ${options.timeout}`);
    if (!options.yes && !(await confirm(io, `Drain ${t.address}? It stops taking writes, hands its data to the other nodes and leaves the cluster. [y/N] `))) {
      throw new UsageError('not confirmed: pass --yes to drain without a question (needed when stdin is not a terminal)');
    }
    let status = await postJson<DrainStatus>(t, '/internal/drain', { timeout_ms: timeoutMs, force: options.force === true });
    if (options.wait === false) {
      io.stdout.write(`${describe(status)}\n`);
      return 0;
    }
    const tty = io.stdout.isTTY === true;
    let last = '';
    // Bounded: the node ends its drain (left or failed) within its timeout; a margin covers the leave.
    const deadline = Date.now() + timeoutMs + 120_000;
    while (Date.now() < deadline) {
      const line = describe(status);
      if (line !== last) {
        io.stdout.write(tty ? `\r\x1b[2K${line}` : `${JSON.stringify(status)}\n`);
        last = line;
      }
      if (status.phase === 'left' || status.phase === 'failed' || status.phase === 'aborted') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = await getJson<DrainStatus>(t, '/internal/drain');
    }
    if (tty) io.stdout.write('\n');
    if (status.phase === 'left') {
      io.stdout.write(`${status.node_id} is Leaving and out of the cluster; it can be stopped now.\n`);
      return 0;
    }
    io.stderr.write(`drain did not complete: ${describe(status)}\n`);
    return 1;
  } finally {
    await t.client.close();
  }
}

export async function runShow(config: Config, node: string | undefined, path: string, io: ClusterCommandIo): Promise<number> {
  const t = target(config, node);
  try {
    io.stdout.write(`${JSON.stringify(await getJson<unknown>(t, path), null, 2)}\n`);
    return 0;
  } finally {
    await t.client.close();
  }
}
