// Parent side of raft-runner.ts: spawns node processes on free loopback ports, talks RPC over IPC, kills them.
// Every wait is bounded; destroy() kills every child and removes the data directory.
// RAFT_RUNNER_PROF=<dir> runs each child with --cpu-prof (and stops them gracefully so profiles are written).

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunnerConfig, RunnerRequest, RunnerStatus } from './raft-runner.js';

const RUNNER = fileURLToPath(new URL('./raft-runner.ts', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RoleEvent {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly at: number;
}

export type ClusterSettings = Omit<RunnerConfig, 'id' | 'port' | 'peers' | 'dir' | 'secret'>;

export class RaftProcess {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  /** `launchPrefix`: argv that execs node in place (e.g. nsenter into a network namespace). */
  constructor(
    readonly config: RunnerConfig,
    private readonly onRole: (event: RoleEvent) => void,
    private readonly launchPrefix: readonly string[] = [],
  ) {}

  get pid(): number | null {
    return this.alive ? this.child?.pid ?? null : null;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const execArgv = ['--import', 'tsx', ...(process.env['RAFT_RUNNER_PROF'] ? ['--cpu-prof', '--cpu-prof-dir=' + process.env['RAFT_RUNNER_PROF']] : [])];
    const [launcher, ...launchArgs] = this.launchPrefix;
    const child = launcher === undefined
      ? fork(RUNNER, [JSON.stringify(this.config)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn(launcher, [...launchArgs, process.execPath, ...execArgv, RUNNER, JSON.stringify(this.config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.config.id} did not start in ${timeoutMs} ms`)), timeoutMs);
      child.on('message', (message: { event?: string; reply?: number; ok?: boolean; result?: unknown; error?: string } & Partial<RoleEvent>) => {
        if (message.event === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.event === 'role') {
          this.onRole(message as RoleEvent);
        } else if (message.reply !== undefined) {
          const waiter = this.waiting.get(message.reply);
          this.waiting.delete(message.reply);
          if (message.ok) waiter?.resolve(message.result);
          else waiter?.reject(new Error(`${this.config.id}: ${message.error ?? 'failed'}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.config.id} exited (${code ?? signal})`));
        for (const waiter of this.waiting.values()) waiter.reject(new Error(`${this.config.id} exited`));
        this.waiting.clear();
      });
    });
    await ready;
  }

  request<T>(request: RunnerRequest, timeoutMs = 60_000): Promise<T> {
    const child = this.child;
    if (!child || !this.alive) return Promise.reject(new Error(`${this.config.id} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.config.id}: ${request.op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => { clearTimeout(timer); resolve(value as T); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      child.send({ id, request });
    });
  }

  status(): Promise<RunnerStatus> {
    return this.request<RunnerStatus>({ op: 'status' }, 10_000);
  }

  /** SIGKILL: no shutdown hooks, no flush; only what was synced survives. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export class RaftProcessCluster {
  private constructor(readonly root: string, readonly nodes: RaftProcess[], readonly roleEvents: RoleEvent[]) {}

  static async start(size: number, settings: ClusterSettings = {}): Promise<RaftProcessCluster> {
    const root = await mkdtemp(join(tmpdir(), 'hb-raft-jepsen-'));
    const peers: { id: string; address: string }[] = [];
    for (let i = 1; i <= size; i++) peers.push({ id: `n${i}`, address: `127.0.0.1:${await freePort()}` });
    const events: RoleEvent[] = [];
    const nodes = peers.map((peer) => new RaftProcess({
      ...settings, id: peer.id, port: Number(peer.address.split(':')[1]), peers, dir: join(root, peer.id), secret: 'jepsen-lite',
    }, (event) => events.push(event)));
    const cluster = new RaftProcessCluster(root, nodes, events);
    try {
      await Promise.all(nodes.map((node) => node.start()));
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  node(id: string): RaftProcess {
    const node = this.nodes.find((n) => n.config.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  alive(): RaftProcess[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** Waits until every live node agrees on one leader that is itself live and leading. */
  async leader(timeoutMs = 20_000): Promise<{ node: RaftProcess; status: RunnerStatus }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const statuses = await Promise.all(this.alive().map((n) => n.status().catch(() => null)));
      const leaders = statuses.filter((s) => s?.role === 'leader');
      const leader = leaders.length === 1 ? leaders[0]! : null;
      if (leader && statuses.every((s) => s?.leader === leader.id)) return { node: this.node(leader.id), status: leader };
      await sleep(25);
    }
    throw new Error(`no agreed leader within ${timeoutMs} ms`);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => (process.env['RAFT_RUNNER_PROF'] ? n.stop() : n.kill())));
    await rm(this.root, { recursive: true, force: true });
  }
}
