// A full copy merges the source's snapshot into what this node holds and raises (never lowers)
// watermarks: it dropped every local table first, so this node's own writes and entries of other
// origins beyond the snapshot vanished while its watermarks said it held them (chaos seed 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { systemClock } from '../../../src/core/clock.js';
import { noopTracer } from '../../../src/core/tracing.js';
import type { Engine } from '../../../src/core/index.js';
import type { PeerClient } from '../../../src/cluster/peer-client.js';
import { ReplicationReceiver } from '../../../src/cluster/replication/receiver.js';
import { encodeReplicateBatch } from '../../../src/cluster/replication/replicate-codec.js';
import { createClusterMetrics } from '../../../src/cluster/cluster-metrics.js';
import { createSyncMetrics } from '../../../src/cluster/sync/sync-metrics.js';
import { SyncService, type SnapshotInfo } from '../../../src/cluster/sync/sync-service.js';

const table = { db: 'chaos', rp: 'autogen', measurement: 'chaos' };

/** A node holding rows (point ids) of one table, and watermarks per origin; its own origin is n2~a. */
function copyingNode(rows: number[], watermarks: Record<string, number>) {
  const stored = new Set(rows);
  const marks = new Map(Object.entries(watermarks));
  const imports: number[] = [];
  const engine = {
    wal: {
      localOrigin: 'n2~a',
      originWatermarks: () => new Map(marks),
      adoptWatermarks: async (adopted: ReadonlyMap<string, number>) => {
        for (const [origin, seq] of adopted) if (seq > (marks.get(origin) ?? 0)) marks.set(origin, seq);
      },
    },
    dataCopy: {
      importPage: async (_table: unknown, _columns: unknown, page: Buffer, validAt: number) => {
        imports.push(validAt);
        for (const id of JSON.parse(page.toString('utf8')) as number[]) stored.add(id);
        return true;
      },
      // What the port offered before: a full copy must not empty this node.
      dropAllTables: async () => stored.clear(),
    },
  } as unknown as Engine;
  return { engine, stored, marks, imports };
}

test('a full copy keeps the rows this node held, raises watermarks only, and pulls after the higher one', async () => {
  const node = copyingNode([1, 2, 900, 901], { 'n2~a': 7, 'n1~a': 40, 'n3~a': 10 });
  const snapshot: SnapshotInfo = { snapshot_id: 's1', watermarks: { 'n1~a': 30, 'n3~a': 25, 'n2~a': 3 }, catalog_index: 12, tables: [{ ...table, columns: ['time', '_series', 'f_id'] }] };
  const pulls: string[] = [];
  const client = {
    requestOk: async () => Buffer.from(JSON.stringify(snapshot)),
    request: async (_address: string, request: { path: string }) => {
      if (request.path.includes('/table?')) return request.path.endsWith('page=0') ? { status: 200, body: Buffer.from(JSON.stringify([1, 3, 4])) } : { status: 204, body: Buffer.alloc(0) };
      if (request.path.startsWith('/internal/sync/wal')) {
        pulls.push(request.path);
        const origin = new URLSearchParams(request.path.split('?')[1]).get('origin')!;
        return { status: 200, body: encodeReplicateBatch({ origin, values: [] }) };
      }
      return { status: 200, body: Buffer.alloc(0) };
    },
  } as unknown as PeerClient;
  const metrics = createClusterMetrics(new Registry(), { nodeState: () => 2, peersActive: () => 2, membershipVersion: () => 1, nodesTotal: () => 3, handoff: () => [], originLag: () => [] });
  const receiver = new ReplicationReceiver({ appendReplicated: () => Promise.reject(new Error('no entries expected')), watermark: (o) => node.marks.get(o) ?? 0, waitForCatalog: async () => true, metrics, tracer: noopTracer }, 1_000);
  const sync = new SyncService(
    { pullMaxBytes: 1 << 20, copyPageRows: 100, snapshotTtlMs: 1_000, catalogWaitMs: 100 },
    {
      nodeId: 'n2', engine: node.engine, client, receiver, clock: systemClock, log: pino({ level: 'silent' }),
      metrics: createSyncMetrics(new Registry()), state: () => 'syncing', currentTerm: () => 4,
      httpAddressOf: () => '10.0.0.1:8086', waitForApplied: async () => true,
    },
  );
  await sync.fullCopy('n1');
  assert.deepEqual([...node.stored].sort((a, b) => a - b), [1, 2, 3, 4, 900, 901]);
  assert.deepEqual(node.imports, [12], 'the rows are valid at the snapshot\'s catalog index');
  assert.deepEqual(Object.fromEntries(node.marks), { 'n2~a': 7, 'n1~a': 40, 'n3~a': 25 });
  assert.deepEqual(pulls.map((p) => new URLSearchParams(p.split('?')[1])).map((q) => `${q.get('origin')}@${q.get('from_seq')}`).sort(), ['n1~a@41', 'n3~a@26']);
});
