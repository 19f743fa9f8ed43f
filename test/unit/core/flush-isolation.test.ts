// One bad table never stops the rest: a table whose inserts fail is quarantined (its points kept on
// disk, retried), other tables and queries carry on, a restart comes up, and the points are stored
// once the table accepts them. Real LevelDB and chDB; the failure is a CHECK constraint on the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Session } from 'chdb';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { fieldValueSql, qualifiedTable } from '../../../src/core/store/naming.js';

function rows(results: Awaited<ReturnType<Engine['query']>>): unknown[][] {
  return (results[0]?.series?.[0]?.values ?? []) as unknown[][];
}

test('a failing table is quarantined, the others flush and answer, a restart serves, and the points land once it heals', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-isolation-'));
  const options = { ...defaultEngineOptions(dir), flush: { ...defaultEngineOptions(dir).flush, intervalMs: 60_000 } };
  const log = pino({ level: 'silent' });
  let engine = await openEngine(options, { log, registry: new Registry() });
  const chdb = new Session(options.chdbDir);
  try {
    await engine.query('CREATE DATABASE db', { db: '' });
    await engine.write({ db: 'db', body: Buffer.from('bad v=-1 1000\ngood v=1 1000') });
    await engine.flush();
    // From now on the table refuses every row with v >= 0: a deterministic, table-specific failure.
    await chdb.queryAsync(`ALTER TABLE ${qualifiedTable('db', 'autogen', 'bad')} ADD CONSTRAINT only_negative CHECK ${fieldValueSql('v')} < 0`, { format: 'TSV' });
    await engine.write({ db: 'db', body: Buffer.from('bad v=5 2000\ngood v=2 2000') });
    await engine.write({ db: 'db', body: Buffer.from('bad v=6 3000\ngood v=3 3000') });
    await engine.flush();

    assert.deepEqual(rows(await engine.query('SELECT v FROM good', { db: 'db' })).map((r) => r[1]), [1, 2, 3], 'the good table flushed');
    const health = engine.health();
    assert.equal(health.flushFailing, null, 'the flush as a whole is not failing');
    assert.deepEqual(health.quarantined.map((t) => [t.measurement, t.points]), [['bad', 2]]);
    const refused = await engine.query('SELECT v FROM bad', { db: 'db' });
    assert.match(refused[0]?.error ?? '', /measurement "bad" cannot be read now: some of its acknowledged points could not be stored yet/);
    assert.equal(engine.wal.flushedSeq(), engine.wal.lastSeq(), 'the WAL moved past the bad table');

    // Newer writes to the bad table queue behind its quarantined points, in order.
    await engine.write({ db: 'db', body: Buffer.from('bad v=7 2000') });
    await engine.flush();
    assert.equal(engine.health().quarantined[0]!.points, 3);

    // A restart comes up and serves while the table is still quarantined.
    await engine.close();
    engine = await openEngine(options, { log, registry: new Registry() });
    assert.deepEqual(rows(await engine.query('SELECT v FROM good', { db: 'db' })).map((r) => r[1]), [1, 2, 3]);
    assert.deepEqual(engine.health().quarantined.map((t) => t.measurement), ['bad']);

    // Healed: the next read retries and stores everything, later writes last (v=7 overwrote v=5 at 2000).
    await chdb.queryAsync(`ALTER TABLE ${qualifiedTable('db', 'autogen', 'bad')} DROP CONSTRAINT only_negative`, { format: 'TSV' });
    assert.deepEqual(rows(await engine.query('SELECT v FROM bad', { db: 'db' })).map((r) => r.slice(0, 2)), [
      [1000n, -1],
      [2000n, 7],
      [3000n, 6],
    ]);
    assert.deepEqual(engine.health().quarantined, []);
  } finally {
    chdb.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dropping a quarantined measurement forgets its kept points', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hb-isolation-'));
  const options = { ...defaultEngineOptions(dir), flush: { ...defaultEngineOptions(dir).flush, intervalMs: 60_000 } };
  const engine = await openEngine(options, { log: pino({ level: 'silent' }), registry: new Registry() });
  const chdb = new Session(options.chdbDir);
  try {
    await engine.query('CREATE DATABASE db', { db: '' });
    await engine.write({ db: 'db', body: Buffer.from('bad v=-1 1000') });
    await engine.flush();
    await chdb.queryAsync(`ALTER TABLE ${qualifiedTable('db', 'autogen', 'bad')} ADD CONSTRAINT c CHECK ${fieldValueSql('v')} < 0`, { format: 'TSV' });
    await engine.write({ db: 'db', body: Buffer.from('bad v=1 2000') });
    await engine.flush();
    assert.equal(engine.health().quarantined.length, 1);
    await engine.query('DROP MEASUREMENT bad', { db: 'db' });
    assert.deepEqual(engine.health().quarantined, []);
    await engine.write({ db: 'db', body: Buffer.from('bad v=2 3000') });
    assert.deepEqual(rows(await engine.query('SELECT v FROM bad', { db: 'db' })).map((r) => r[1]), [2]);
  } finally {
    chdb.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
