// FINAL only when parts may hold duplicates: overwrites in a later flush must still merge
// (the max of (version, value) per field), and time-disjoint flushes read unmerged with the same answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { EDGE_BOUND_ROWS_MAX, edgeRowsSql, limitCountSql } from '../../../src/core/query/sql/table-source.js';

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

test('the edge bound uses groupArraySorted only up to EDGE_BOUND_ROWS_MAX rows per series', () => {
  assert.ok(EDGE_BOUND_ROWS_MAX < 16_777_215, 'ClickHouse refuses groupArraySorted above 16,777,215');
  const bounded = edgeRowsSql('(src)', EDGE_BOUND_ROWS_MAX, true);
  assert.ok(bounded.includes(`groupArraySorted(${EDGE_BOUND_ROWS_MAX})`), bounded);
  assert.ok(bounded.endsWith(`LIMIT ${EDGE_BOUND_ROWS_MAX} BY \`_series\`)`), bounded);
  assert.equal(edgeRowsSql('(src)', 16_777_217, false), '(SELECT * FROM (src) ORDER BY `_series`, `time` DESC LIMIT 16777217 BY `_series`)');
  assert.equal(edgeRowsSql('(src)', 2 * Number.MAX_SAFE_INTEGER + 1, true), '(SELECT * FROM (src) ORDER BY `_series`, `time` LIMIT 18014398509481984 BY `_series`)');
  assert.equal(limitCountSql(1e21), '9223372036854775808');
  assert.throws(() => limitCountSql(-1), RangeError);
});

test('LIMIT and OFFSET of 16,777,216 and more answer through the engine', { timeout: 60_000 }, async () => {
  await write('big,h=a v=1 1451606400\nbig,h=a v=2 1451606410\nbig,h=b v=3 1451606400');
  assert.match(await query('SELECT v FROM big LIMIT 16777216'), /"values":\[\["1451606400000000000",1\],\["1451606400000000000",3\],\["1451606410000000000",2\]\]/);
  assert.match(await query('SELECT v FROM big GROUP BY h LIMIT 1 OFFSET 16777216'), /^\[\{"statement_id":0\}\]$/);
  assert.match(await query('SELECT v FROM big GROUP BY h ORDER BY time DESC LIMIT 9223372036854775807 OFFSET 1'), /"h":"a"\},"columns":\["time","v"\],"values":\[\["1451606400000000000",1\]\]/);
});
