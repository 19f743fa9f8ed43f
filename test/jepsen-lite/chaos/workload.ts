// The client workload: concurrent clients write uniquely identified points to random nodes, run
// DDL on databases they own and delete groups of points they wrote, recording every request and
// its outcome in the history. Choices come from the seeded PRNG; timing is real.
import { setTimeout as sleep } from 'node:timers/promises';
import { Prng } from '../../../src/raft/testing/prng.js';
import type { Answer, NodeClient } from './http-client.js';
import { HistoryLimitError, type HistoryRecorder, type OpBody, type Outcome } from './history.js';
import type { WorkloadParams } from './schedule.js';

export const CHAOS_DB = 'chaos';
export const MEASUREMENT = 'chaos';
export const DELETE_MEASUREMENT = 'chaos_del';
export const DDL_PREFIX = 'chaos_ddl_';
const DDL_NAMES_PER_CLIENT = 3;

export interface WorkloadOptions {
  readonly params: WorkloadParams;
  readonly clients: ReadonlyMap<string, NodeClient>;
  /** Nodes clients may send to right now (a drained node leaves this list). */
  readonly targets: () => readonly string[];
  readonly recorder: HistoryRecorder;
  /** Explicit timestamps are timeBaseNs + id µs: unique per point, independent of any node clock. */
  readonly timeBaseNs: bigint;
  readonly signal: AbortSignal;
}

export interface WorkloadStats {
  readonly counts: Record<string, number>;
  /** Why the workload stopped early (history bound reached), or null. */
  readonly stoppedEarly: string | null;
}

interface Shared {
  nextId: number;
  nextProcess: number;
  readonly counts: Record<string, number>;
  stoppedEarly: string | null;
}

function pointLine(measurement: string, tags: string, id: number, timeNs: bigint | null): string {
  return `${measurement},${tags} id=${id}i${timeNs === null ? '' : ` ${timeNs}`}`;
}

class Client {
  private process: number;
  private pendingGroup: string | null = null;
  private groups = 0;

  constructor(private readonly index: number, private readonly rng: Prng, private readonly shared: Shared, private readonly options: WorkloadOptions) {
    this.process = index;
  }

  private ids(count: number): number[] {
    return Array.from({ length: count }, () => this.shared.nextId++);
  }

  private timeOf(id: number): bigint {
    return this.options.timeBaseNs + BigInt(id) * 1000n;
  }

  private async perform(body: OpBody, act: (client: NodeClient) => Promise<Answer>): Promise<Outcome> {
    const node = this.rng.pick(this.options.targets());
    const client = this.options.clients.get(node);
    if (!client) throw new Error(`workload: no client for ${node}`);
    const process = this.process;
    this.options.recorder.append({ ...body, process, type: 'invoke', node });
    const answer = await act(client);
    this.options.recorder.append({
      ...body, process, type: answer.outcome, node,
      ...(answer.status !== undefined ? { status: answer.status } : {}), ...(answer.error !== undefined ? { error: answer.error } : {}),
    });
    const key = `${body.f}:${answer.outcome}`;
    this.shared.counts[key] = (this.shared.counts[key] ?? 0) + 1;
    // Its request may still land later: the process is retired, as in Jepsen.
    if (answer.outcome === 'unknown') this.process = this.shared.nextProcess++;
    return answer.outcome;
  }

  private writePoints(): Promise<Outcome> {
    const { params } = this.options;
    if (this.rng.chance(params.serverTimestampRatio)) {
      // One point per request, its own series: two server-stamped points never share series and time.
      const [id] = this.ids(1) as [number];
      return this.perform({ f: 'write', value: { measurement: MEASUREMENT, ids: [id] } },
        (c) => c.write(CHAOS_DB, pointLine(MEASUREMENT, `u=${id}`, id, null)));
    }
    const ids = this.ids(this.rng.between(1, params.pointsPerWriteMax));
    const lines = ids.map((id) => pointLine(MEASUREMENT, `c=${this.index}`, id, this.timeOf(id))).join('\n');
    return this.perform({ f: 'write', value: { measurement: MEASUREMENT, ids } }, (c) => c.write(CHAOS_DB, lines));
  }

  private async deleteStep(): Promise<Outcome> {
    if (this.pendingGroup !== null) {
      const group = this.pendingGroup;
      this.pendingGroup = null;
      return this.perform({ f: 'delete', value: { measurement: DELETE_MEASUREMENT, group } },
        (c) => c.query(`DELETE FROM "${DELETE_MEASUREMENT}" WHERE "g" = '${group}'`, { db: CHAOS_DB, method: 'POST' }));
    }
    const group = `${this.index}-${this.groups++}`;
    const ids = this.ids(this.rng.between(1, 4));
    const lines = ids.map((id) => pointLine(DELETE_MEASUREMENT, `g=${group}`, id, this.timeOf(id))).join('\n');
    // Written and (whatever the outcome) deleted later by this client only: the group never grows after its delete.
    this.pendingGroup = group;
    return this.perform({ f: 'write', value: { measurement: DELETE_MEASUREMENT, ids, group } }, (c) => c.write(CHAOS_DB, lines));
  }

  private ddl(): Promise<Outcome> {
    const db = `${DDL_PREFIX}${this.index}_${this.rng.nextInt(DDL_NAMES_PER_CLIENT)}`;
    const action = this.rng.chance(0.6) ? 'create' : 'drop';
    const statement = action === 'create' ? `CREATE DATABASE "${db}"` : `DROP DATABASE "${db}"`;
    return this.perform({ f: 'ddl', value: { action, db } }, (c) => c.query(statement, { method: 'POST' }));
  }

  async run(): Promise<void> {
    const { params, signal } = this.options;
    const intervalMs = (params.clients * 1000) / params.opsPerSecond;
    while (!signal.aborted && this.shared.stoppedEarly === null) {
      const roll = this.rng.nextFloat();
      try {
        if (roll < params.deleteRatio) await this.deleteStep();
        else if (roll < params.deleteRatio + params.ddlRatio) await this.ddl();
        else await this.writePoints();
      } catch (error) {
        if (error instanceof HistoryLimitError) {
          this.shared.stoppedEarly = error.message;
          return;
        }
        throw error;
      }
      const pause = intervalMs * (0.5 + this.rng.nextFloat());
      await sleep(pause, undefined, { signal }).catch(() => undefined);
    }
  }
}

/** Runs until `signal` aborts (in-flight requests finish, bounded by their timeout). */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadStats> {
  const { params } = options;
  const shared: Shared = { nextId: 1, nextProcess: params.clients, counts: {}, stoppedEarly: null };
  const root = new Prng(params.clientSeed);
  const clients = Array.from({ length: params.clients }, (_, i) => new Client(i, root.fork(), shared, options));
  await Promise.all(clients.map((c) => c.run()));
  return { counts: shared.counts, stoppedEarly: shared.stoppedEarly };
}
