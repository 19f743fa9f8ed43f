// Replicas converge: two engines receiving the same conflicting writes of two origins in opposite
// orders (one flushing between them, one storing them in a single flush) answer the same, with
// the higher version winning per field and equal versions settled by the higher value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import type { FieldType, FieldValue, Point } from '../../../src/core/model/point.js';
import type { WalEntry } from '../../../src/core/wal/wal-port.js';

const MS = 1n << 20n; // a version's counter bits: versions below are milliseconds of the origin's clock

function point(timeNs: bigint, fields: Record<string, FieldValue>): Point {
  const keys = Object.keys(fields).sort();
  const types: Record<string, FieldType> = { v: 'float', s: 'string', w: 'integer' };
  return { measurement: 'm', tags: ['host', 'a'], fieldKeys: keys, fieldTypes: keys.map((k) => types[k]!), fieldValues: keys.map((k) => fields[k]!), timeNs };
}

/** Writes of two other nodes, n2 and n3, each numbered from 1 in its own origin. */
function entries(catalogIndex: number): Record<'x' | 'y' | 'z' | 'u', WalEntry> {
  const entry = (origin: string, originSeq: number, version: bigint, points: Point[]): WalEntry => ({ db: 'db', rp: 'autogen', points, origin, originSeq, version, catalogIndex });
  return {
    // Concurrent overwrites of one point: x is the later version, for v and s; only y writes w.
    x: entry('n2~01', 1, 100n * MS, [point(1000n, { v: 1, s: 'from x' })]),
    y: entry('n3~01', 1, 50n * MS, [point(1000n, { v: 2, s: 'from y', w: '5' })]),
    // Equal versions (two clocks in one millisecond): the higher value wins, whatever the order.
    z: entry('n2~01', 2, 200n * MS, [point(2000n, { v: 7 })]),
    // u also overwrites its own point within the write: its last value (3) is the one it offers.
    u: entry('n3~01', 2, 200n * MS, [point(2000n, { v: 9 }), point(2000n, { v: 3 })]),
  };
}

async function replica(receive: (engine: Engine, e: ReturnType<typeof entries>) => Promise<void>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-replica-'));
  const engine = await openEngine(defaultEngineOptions(dir), { log: pino({ level: 'silent' }), registry: new Registry() });
  try {
    await engine.query('CREATE DATABASE db', { db: '' });
    // The schema every node shares (the cluster replicates it through Raft).
    await engine.write({ db: 'db', body: Buffer.from('m,host=a v=0,s="",w=0i 1') });
    await receive(engine, entries(engine.catalog.index));
    const answer = await engine.query('SELECT * FROM m WHERE time >= 1000', { db: 'db' });
    assert.deepEqual(engine.health().quarantined, []);
    return JSON.stringify(answer, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('two replicas given the same conflicting writes in opposite orders answer the same', { timeout: 120_000 }, async () => {
  const first = await replica(async (engine, e) => {
    await engine.appendReplicated(e.x);
    await engine.flush(); // x is stored alone; y, z and u merge with it in ClickHouse
    await engine.appendReplicated(e.y);
    await engine.appendReplicated(e.z);
    await engine.flush();
    await engine.appendReplicated(e.u);
  });
  const second = await replica(async (engine, e) => {
    // The reverse order, in one flush: the encoder merges them.
    await engine.appendReplicated(e.y);
    await engine.appendReplicated(e.u);
    await engine.appendReplicated(e.x);
    await engine.appendReplicated(e.z);
  });
  assert.equal(second, first);
  assert.equal(
    first,
    JSON.stringify([{ statement_id: 0, series: [{ name: 'm', columns: ['time', 'host', 's', 'v', 'w'], values: [['1000', 'a', 'from x', 1, '5'], ['2000', 'a', null, 7, null]] }] }]),
  );
});

test('a lone node keeps InfluxDB’s last write wins, later writes having higher versions', { timeout: 60_000 }, async () => {
  const answer = await replica(async (engine) => {
    await engine.write({ db: 'db', body: Buffer.from('m,host=a v=9 1000') });
    await engine.flush();
    await engine.write({ db: 'db', body: Buffer.from('m,host=a v=1 1000\nm,host=a v=5 2000') });
    await engine.write({ db: 'db', body: Buffer.from('m,host=a v=2 2000\nm,host=a v=0.5 2000') });
  });
  assert.match(answer, /"values":\[\["1000","a",null,1,null\],\["2000","a",null,0.5,null\]\]/);
});
