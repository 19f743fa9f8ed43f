// The first-value cache inside the engine (real WAL and chDB): every first() query it answers
// equals the chDB path's answer (the same query with an SLIMIT no answer reaches, which the cache
// never takes) through writes older and newer than the held points, equal-time overwrites,
// deletes, drops, a restart and its byte bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameAsStored } from '../../support/cache-compare.js';
import { CacheTestEngine } from '../../support/cache-engine.js';

const t = new CacheTestEngine('hb-fvc-', {
  lastValueCache: { mode: 'off', maxBytes: 2 * 1024 * 1024, depth: 3 },
  firstValueCache: { mode: 'on', maxBytes: 2 * 1024 * 1024, depth: 2 },
});

before(() => t.start());
after(() => t.stop());

const counter = (name: string, labels: Record<string, string> = {}): Promise<number> => t.counter(name, labels);
const write = (lines: string | readonly string[]): Promise<void> => t.write(lines);

/** first() shapes the cache answers (most of them) or declines (ranges past the held points). */
const QUERIES = [
  'SELECT first(v) FROM m',
  'SELECT first(v) FROM m GROUP BY host',
  'SELECT first(v) FROM m GROUP BY region',
  'SELECT first(v) FROM m GROUP BY host ORDER BY time DESC',
  'SELECT first(*) FROM m GROUP BY *',
  'SELECT first(*) FROM m',
  'SELECT first(i), first(s), first(b) FROM m GROUP BY host',
  'SELECT first(v), s, host FROM m GROUP BY region',
  'SELECT first(s) AS earliest FROM m WHERE host =~ /^[ab]$/ GROUP BY host',
  "SELECT first(v) FROM m WHERE region != 'west' OR host = 'a' GROUP BY host",
  'SELECT first(v) FROM m WHERE time > 1500 GROUP BY host',
  'SELECT first(v) FROM m WHERE time >= 500 AND time <= 2000 GROUP BY host',
  'SELECT first(v) FROM m WHERE time < 2500 GROUP BY region',
  'SELECT first(v) FROM m GROUP BY host LIMIT 1 OFFSET 1',
  'SELECT first(v), last(v) FROM m GROUP BY host',
];

/** Runs every query both ways; returns how many the cache answered. */
async function compareAll(step: string): Promise<number> {
  const hitsBefore = await counter('hyperbytedb_first_value_cache_hits_total');
  for (const q of QUERIES) await assertSameAsStored(t.engine, q, `${step}: ${q}`);
  return (await counter('hyperbytedb_first_value_cache_hits_total')) - hitsBefore;
}

test('answers match chDB after the first load and through later writes older and newer than the held points', async () => {
  await write(`
    m,host=a,region=west v=1,i=10i,s="a1",b=true 1000
    m,host=a,region=west v=2,i=20i 2000
    m,host=a,region=west v=3,s="a3" 3000
    m,host=b,region=west v=5,i=50i,s="b1",b=false 1000
    m,host=b,region=west v=6 3000
    m,host=c,region=east v=7,i=70i,s="c1",b=true 3000
    m,host=d v=9,s="d1" 2000
  `);
  const hits = await compareAll('loaded');
  assert.ok(hits >= QUERIES.length - 4, `the cache answered ${hits} of ${QUERIES.length}`);
  // Newer points (never first), older points (the new first), an equal time overwriting one field.
  await write(`
    m,host=a,region=west v=4,b=false 4000
    m,host=b,region=west v=0.5,s="old" 500
    m,host=c,region=east s="c0" 3000
    m,host=e,region=east v=11,i=1i 3000
    m,host=d v=10,n=1 100
  `);
  const later = await compareAll('written after the load');
  assert.ok(later >= QUERIES.length - 4, `the cache answered ${later} of ${QUERIES.length}`);
  const rows = (await t.engine.query("SELECT first(s) FROM m WHERE host = 'c'", { db: 'db' }))[0]?.series?.[0]?.values;
  assert.deepEqual(rows, [[3000n, 'c0']]);
  const b = (await t.engine.query("SELECT first(v) FROM m WHERE host = 'b'", { db: 'db' }))[0]?.series?.[0]?.values;
  assert.deepEqual(b, [[500n, 0.5]]);
});

test('deletes, dropped series and a dropped measurement are forgotten', async () => {
  await t.engine.query("DELETE FROM m WHERE host = 'a'", { db: 'db' });
  await compareAll('after DELETE by tag');
  await t.engine.query('DELETE FROM m WHERE time <= 1000', { db: 'db' });
  await compareAll('after DELETE of the oldest points');
  await write('m,host=a,region=west v=12 600\nm,host=b,region=west v=13 2500');
  await t.engine.query("DROP SERIES FROM m WHERE host = 'b'", { db: 'db' });
  await compareAll('after DROP SERIES');
  await t.engine.query('DROP MEASUREMENT m', { db: 'db' });
  assert.deepEqual(await t.engine.query('SELECT first(v) FROM m GROUP BY host', { db: 'db' }), [{ statement_id: 0 }]);
  await write('m,host=z v=1,i=2i,s="z",b=true 7000');
  await compareAll('after DROP MEASUREMENT and a new write');
});

test('after a restart the cache loads again from chDB and the WAL replay', async () => {
  await write('m,host=y v=3,s="y" 8000\nm,host=z v=2 6000');
  await t.engine.close();
  await t.open();
  const hits = await compareAll('after restart');
  assert.ok(hits > 0);
  await write('m,host=y v=4 5000\nm,host=y s="y2" 8000');
  await compareAll('written after restart');
});

test('a measurement past the byte bound is read from chDB, and answers stay right', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 6_000; i++) lines.push(`wide,host=h${i},rack=r${i % 7} v=${i} ${1000 + i}`);
  await write(lines);
  const q = 'SELECT first(v) FROM wide GROUP BY rack';
  await assertSameAsStored(t.engine, q);
  assert.ok((await counter('hyperbytedb_first_value_cache_misses_total', { reason: 'over_budget' })) > 0);
  assert.ok((await counter('hyperbytedb_first_value_cache_bytes')) <= 2 * 1024 * 1024);
});
