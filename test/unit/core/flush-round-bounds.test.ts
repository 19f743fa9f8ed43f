// A flush round of entries this process appended is bounded by flush.max_points_per_insert (the
// encoder thread holds a round's points decoded), and the flushed-sequence gauge follows the flush.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions } from '../../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-flush-rounds-'));
const registry = new Registry();
const defaults = defaultEngineOptions(dir);
const engine = await openEngine({ ...defaults, flush: { ...defaults.flush, intervalMs: 60_000, maxPointsPerInsert: 10 } }, { log: pino({ level: 'warn' }), registry });
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function metric(name: string): Promise<number> {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values[0]?.value ?? NaN;
}

test('entries appended here are flushed in rounds of at most max_points_per_insert points', async () => {
  await engine.query('CREATE DATABASE db', { db: '' });
  await engine.flush();
  const runsBefore = await metric('hyperbytedb_flush_runs_total');
  // Five writes of 4 points: rounds of at most 10 points take two writes each, so three rounds.
  for (let w = 0; w < 5; w++) {
    const lines = Array.from({ length: 4 }, (_, i) => `m,host=h${i} v=${w} ${(w * 4 + i + 1) * 1000}`).join('\n');
    await engine.write({ db: 'db', body: Buffer.from(lines) });
  }
  await engine.flush();
  assert.equal((await metric('hyperbytedb_flush_runs_total')) - runsBefore, 3);
  assert.equal(await metric('hyperbytedb_wal_flushed_sequence'), await metric('hyperbytedb_wal_last_sequence'));
  const rows = await engine.query('SELECT count(v) FROM m', { db: 'db' });
  assert.equal(Number(rows[0]?.series?.[0]?.values[0]?.[1]), 20);
});
