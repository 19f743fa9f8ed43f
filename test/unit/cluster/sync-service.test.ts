// A sync order that fails (a peer refuses the pull, e.g. 401 from a peer whose clock is skewed)
// is logged and reported, and never escapes as an unhandled rejection: that ended the process
// (found by the chaos harness: seed 11, a +600 s clock on n1 crashed n2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { systemClock } from '../../../src/core/clock.js';
import type { Engine } from '../../../src/core/index.js';
import type { PeerClient } from '../../../src/cluster/peer-client.js';
import type { ReplicationReceiver } from '../../../src/cluster/replication/receiver.js';
import { createSyncMetrics } from '../../../src/cluster/sync/sync-metrics.js';
import { SyncService } from '../../../src/cluster/sync/sync-service.js';

test('a failing ordered pull ends as a reported outcome, not an unhandled rejection; the next order runs', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    let requests = 0;
    const client = {
      request: () => {
        requests++;
        return Promise.resolve({ status: 401, body: Buffer.from('{"error":"authorization failed"}') });
      },
    } as unknown as PeerClient;
    const engine = { wal: { originWatermarks: () => new Map<string, number>() } } as unknown as Engine;
    const sync = new SyncService(
      { pullMaxBytes: 1 << 20, copyPageRows: 100, snapshotTtlMs: 1_000, catalogWaitMs: 100 },
      {
        nodeId: 'n2', engine, client, receiver: {} as ReplicationReceiver, clock: systemClock, log: pino({ level: 'silent' }),
        metrics: createSyncMetrics(new Registry()), state: () => 'active', currentTerm: () => 4,
        httpAddressOf: () => '10.0.0.1:8086', waitForApplied: () => Promise.resolve(true),
      },
    );
    const order = { term: 4, pulls: [{ origin: 'n1~a', from_seq: 1, source: 'n1' }] };
    assert.equal(sync.trigger(order).status, 202);
    for (let i = 0; i < 100 && sync.busy(); i++) await new Promise((r) => setTimeout(r, 10));
    // Unhandled rejections are reported after the microtask queue drains.
    await new Promise((r) => setImmediate(r));
    assert.equal(sync.busy(), false);
    assert.deepEqual(unhandled, []);
    assert.match(sync.lastOutcome ?? '', /^sync failed: .*authorization failed/);
    assert.equal(sync.trigger(order).status, 202, 'a later order is taken');
    for (let i = 0; i < 100 && sync.busy(); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
    assert.equal(requests, 2);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
