// Child-process Raft node for jepsen-lite and bench/raft.ts: LevelDB storage, TCP transport, a list state machine.
// Driven over the fork() IPC channel by raft-process.ts; never decides anything itself.

import { createRaftNode, type StateMachine } from '../../../src/raft/node.js';
import { LevelStorage } from '../../../src/raft/storage/level-storage.js';
import { NetTransport } from '../../../src/raft/transport/net-transport.js';
import type { PeerAddress } from '../../../src/raft/transport/transport.js';

export interface RunnerConfig {
  readonly id: string;
  /** Listen address; 127.0.0.1 unless the node runs in a network namespace. */
  readonly host?: string;
  readonly port: number;
  readonly peers: readonly PeerAddress[];
  readonly dir: string;
  readonly secret: string;
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly snapshotEvery?: number;
  readonly snapshotTrailingEntries?: number;
  /** Keep only a count and a digest instead of every value (bench mode: bounded memory). */
  readonly countOnly?: boolean;
  /** Bench only: LevelDB writes without fsync (separates CPU cost from disk latency). */
  readonly unsafeNoSync?: boolean;
}

export type RunnerRequest =
  | { readonly op: 'status' }
  | { readonly op: 'values' }
  | { readonly op: 'propose'; readonly prefix: string; readonly count: number; readonly inflight: number }
  | { readonly op: 'bench'; readonly durationMs: number; readonly inflight: number; readonly size: number }
  | { readonly op: 'read' };

export interface RunnerStatus {
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly count: number;
  /** Snapshots restored from the leader since this process started (not counting its own at startup). */
  readonly leaderRestores: number;
}

class ListMachine implements StateMachine<number> {
  values: string[] = [];
  count = 0;
  restores = 0;
  constructor(private readonly countOnly: boolean) {}
  apply(data: Uint8Array): number {
    this.count++;
    if (!this.countOnly) this.values.push(Buffer.from(data).toString());
    return this.count;
  }
  snapshot(): Promise<Uint8Array> {
    return Promise.resolve(Buffer.from(JSON.stringify({ count: this.count, values: this.values })));
  }
  restore(data: Uint8Array): Promise<void> {
    const state = JSON.parse(Buffer.from(data).toString()) as { count: number; values: string[] };
    this.count = state.count;
    this.values = state.values;
    this.restores++;
    return Promise.resolve();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as RunnerConfig;
  const send = (message: object): void => {
    if (process.connected) process.send?.(message);
  };
  const machine = new ListMachine(config.countOnly === true);
  const node = createRaftNode<number>({
    id: config.id,
    peers: config.peers,
    storage: new LevelStorage({ path: config.dir, ...(config.unsafeNoSync === true ? { unsafeNoSync: true } : {}) }),
    transport: new NetTransport({ id: config.id, host: config.host ?? '127.0.0.1', port: config.port, clusterSecret: config.secret }),
    stateMachine: machine,
    ...(config.tickMs !== undefined ? { tickMs: config.tickMs } : {}),
    ...(config.electionTicks !== undefined ? { electionTicks: config.electionTicks } : {}),
    ...(config.snapshotEvery !== undefined ? { snapshotEvery: config.snapshotEvery } : {}),
    ...(config.snapshotTrailingEntries !== undefined ? { snapshotTrailingEntries: config.snapshotTrailingEntries } : {}),
  });
  node.on('role-change', ({ role, term }) => send({ event: 'role', id: config.id, role, term, at: Date.now() }));
  node.on('fatal', (error) => send({ event: 'fatal', id: config.id, message: error.message }));
  await node.start();
  const restoresAtStart = machine.restores;

  const status = (): RunnerStatus => {
    const m = node.metrics();
    return {
      id: config.id, role: m.role, term: m.term, leader: m.leader, commitIndex: m.commitIndex, appliedIndex: m.appliedIndex,
      lastIndex: m.lastIndex, snapshotIndex: m.snapshotIndex, count: machine.count, leaderRestores: machine.restores - restoresAtStart,
    };
  };

  /** Closed loop: `inflight` workers each propose the next value when their previous one settles. */
  const propose = async (prefix: string, count: number, inflight: number): Promise<{ acked: string[]; failed: number; firstError: string | null }> => {
    const acked: string[] = [];
    let failed = 0;
    let firstError: string | null = null;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const value = `${prefix}-${next++}`;
        try {
          await node.propose(Buffer.from(value));
          acked.push(value);
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
    return { acked, failed, firstError };
  };

  const bench = async (durationMs: number, inflight: number, size: number): Promise<object> => {
    const latencies: number[] = [];
    let failed = 0;
    const payload = Buffer.alloc(size, 0x61);
    const start = performance.now();
    const end = start + durationMs;
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await node.propose(payload);
          latencies.push(performance.now() - t0);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
    const elapsedMs = performance.now() - start;
    latencies.sort((a, b) => a - b);
    return { ops: latencies.length, failed, elapsedMs, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  };

  process.on('message', (raw: { id: number; request: RunnerRequest }) => {
    const { id, request } = raw;
    const reply = (result: unknown): void => send({ reply: id, ok: true, result });
    const fail = (error: unknown): void => send({ reply: id, ok: false, error: (error as Error).message });
    switch (request.op) {
      case 'status': reply(status()); return;
      case 'values': reply(machine.values); return;
      case 'read': node.readIndex().then(() => reply(status()), fail); return;
      case 'propose': propose(request.prefix, request.count, request.inflight).then(reply, fail); return;
      case 'bench': bench(request.durationMs, request.inflight, request.size).then(reply, fail); return;
    }
  });
  const shutdown = (): void => {
    void node.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('disconnect', shutdown);
  send({ event: 'ready', id: config.id });
}

main().catch((error: unknown) => {
  process.stderr.write(`raft-runner failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
