// Any schema the write path acknowledges is stored: one request bringing 10,000 fields and 1,000
// tag keys (the default limits) flushes and reads back, and the table keeps growing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { defaultSchemaLimits } from '../../../src/core/write-validator.js';

const FIELDS = defaultSchemaLimits.maxFieldsPerMeasurement;
const TAGS = defaultSchemaLimits.maxTagKeysPerMeasurement;
const dir = mkdtempSync(join(tmpdir(), 'hb-wide-'));
let engine: Engine;

before(async () => {
  engine = await openEngine(defaultEngineOptions(dir), { log: pino({ level: 'silent' }), registry: new Registry() });
  await engine.query('CREATE DATABASE db', { db: '' });
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test(`${FIELDS} fields and ${TAGS} tag keys written in one request are stored and read back`, { timeout: 600_000 }, async () => {
  const tags = Array.from({ length: TAGS }, (_, i) => `tag${i}=t${i}`).join(',');
  const fields = Array.from({ length: FIELDS - 1 }, (_, i) => `f${i}=${i}`).join(',');
  await engine.write({ db: 'db', body: Buffer.from(`wide,${tags} ${fields},last="x" 1000\nwide,tag0=other f1=-1 2000`) });
  await engine.flush();
  assert.equal(engine.health().flushFailing, null);
  assert.deepEqual(engine.health().quarantined, []);

  const one = await engine.query(`SELECT f1 FROM wide WHERE tag${TAGS - 1} = 't${TAGS - 1}'`, { db: 'db' });
  assert.deepEqual(one[0]?.series?.[0]?.values, [[1000n, 1]]);

  const all = await engine.query('SELECT * FROM wide', { db: 'db' });
  const series = all[0]?.series?.[0];
  assert.equal(series?.columns.length, 1 + FIELDS + TAGS);
  const row = Object.fromEntries(series!.columns.map((column, i) => [column, series!.values[0]![i]]));
  assert.equal(row.time, 1000n);
  assert.equal(row.f0, 0);
  assert.equal(row[`f${FIELDS - 2}`], FIELDS - 2);
  assert.equal(row.last, 'x');
  assert.equal(row.tag0, 't0');
  assert.equal(row[`tag${TAGS - 1}`], `t${TAGS - 1}`);
  assert.equal(series!.values.length, 2);

  // The wide table takes the next write, and a narrow one is untouched.
  await engine.write({ db: 'db', body: Buffer.from('wide,tag1=y f2=2.5 3000\nnarrow v=1 1') });
  assert.deepEqual((await engine.query('SELECT f2 FROM wide WHERE time >= 3000', { db: 'db' }))[0]?.series?.[0]?.values, [[3000n, 2.5]]);
  assert.deepEqual((await engine.query('SELECT v FROM narrow', { db: 'db' }))[0]?.series?.[0]?.values, [[1n, 1]]);
});
