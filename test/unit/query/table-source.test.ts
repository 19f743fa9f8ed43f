// FINAL only when parts may hold duplicates: overwrites in a later flush must still merge
// (anyLast per field), and time-disjoint flushes read unmerged with the same answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-table-source-'));
let engine: Engine;

before(async () => {
  engine = await openEngine(defaultEngineOptions(dir), { log: pino({ level: 'silent' }), registry: new Registry() });
  await engine.query('CREATE DATABASE d', { db: '' });
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const write = (body: string): Promise<unknown> => engine.write({ db: 'd', precision: 's', body: Buffer.from(body) });
const query = async (text: string): Promise<string> =>
  JSON.stringify(await engine.query(text, { db: 'd' }), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

test('an overwrite in a later flush merges; later, disjoint flushes add rows', { timeout: 60_000 }, async () => {
  // 2016 timestamps: inside system.parts' DateTime range, so the overlap test (not the fallback) decides.
  await write('m,h=a v=1,x=10 1451606400\nm,h=a v=2 1451606410\nm,h=b v=5 1451606400');
  assert.match(await query('SELECT count(v) FROM m'), /"values":\[\["0","3"\]\]/);
  await write('m,h=a v=100 1451606400\nm,h=b v=7 1451606420');
  assert.match(await query('SELECT count(v), sum(v) FROM m'), /"values":\[\["0","4",114\]\]/);
  assert.match(await query('SELECT * FROM m WHERE v > 50'), /"values":\[\["1451606400000000000","a",100,10\]\]/);
  assert.match(await query('SELECT last(v) FROM m GROUP BY h ORDER BY time DESC LIMIT 1'), /"h":"a"\},"columns":\["time","last"\],"values":\[\["1451606410000000000",2\]\]/);
  await write('m,h=a v=3 1451606500');
  assert.match(await query('SELECT count(v), sum(v) FROM m'), /"values":\[\["0","5",117\]\]/);
  // SHOW filters on tags only, as InfluxDB's index does (a field comparison holds for every series).
  assert.match(await query('SHOW TAG VALUES WITH KEY = "h" WHERE v = 50 AND h = \'a\''), /"values":\[\["h","a"\]\]/);
});
