// The last-value cache inside the engine (real WAL and chDB): every latest-value query it answers
// equals the chDB path's answer (the same query with an SLIMIT no answer reaches, which the cache
// never takes) through writes in and out of order, overwrites, deletes, drops and a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameAsStored } from '../../support/cache-compare.js';
import { CacheTestEngine } from '../../support/cache-engine.js';

const t = new CacheTestEngine('hb-lvc-', {
  lastValueCache: { mode: 'on', maxBytes: 2 * 1024 * 1024, depth: 3 },
});

before(() => t.start());
after(() => t.stop());

const counter = (name: string, labels: Record<string, string> = {}): Promise<number> => t.counter(name, labels);
const write = (lines: string | readonly string[]): Promise<void> => t.write(lines);

/** Latest-value shapes the cache answers (most of them) or declines (some ranges). */
const QUERIES = [
  'SELECT last(v) FROM m',
  'SELECT last(v) FROM m GROUP BY host',
  'SELECT last(v) FROM m GROUP BY region',
  'SELECT last(v) FROM m GROUP BY host ORDER BY time DESC',
  'SELECT last(*) FROM m GROUP BY *',
  'SELECT last(*) FROM m',
  'SELECT last(i), last(s), last(b) FROM m GROUP BY host',
  'SELECT last(v), s, host FROM m GROUP BY region',
  // Tied newest points within a group (region west at 3000), over a range and with two keys.
  'SELECT last(v), last(i) FROM m WHERE time > 1500 GROUP BY region',
  'SELECT last(v), last(s) FROM m GROUP BY region, host',
  'SELECT last(s) AS latest FROM m WHERE host =~ /^[ab]$/ GROUP BY host',
  "SELECT last(v) FROM m WHERE region != 'west' OR host = 'a' GROUP BY host",
  "SELECT last(v) FROM m WHERE region = '' GROUP BY host",
  'SELECT last(v) FROM m WHERE time > 1500 GROUP BY host',
  'SELECT last(v) FROM m WHERE time >= 2000 AND time <= 4000 GROUP BY host',
  'SELECT last(v) FROM m WHERE time < 3500 GROUP BY host',
  'SELECT last(v) FROM m GROUP BY host LIMIT 1 OFFSET 1',
  'SELECT v FROM m GROUP BY host ORDER BY time DESC LIMIT 1',
  'SELECT v, s FROM m ORDER BY time DESC LIMIT 2',
  'SELECT * FROM m ORDER BY time DESC LIMIT 1',
  'SELECT * FROM m GROUP BY host ORDER BY time DESC LIMIT 1 OFFSET 1',
  "SELECT i FROM m WHERE host != 'c' GROUP BY * ORDER BY time DESC LIMIT 2",
  'SELECT b, host FROM m WHERE time > 2500 ORDER BY time DESC LIMIT 1',
];

/** Runs every query both ways; returns how many the cache answered. */
async function compareAll(step: string): Promise<number> {
  const hitsBefore = await counter('hyperbytedb_last_value_cache_hits_total');
  for (const q of QUERIES) await assertSameAsStored(t.engine, q, `${step}: ${q}`);
  return (await counter('hyperbytedb_last_value_cache_hits_total')) - hitsBefore;
}

test('answers match chDB after the first load and through later writes in and out of order', async () => {
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
  assert.ok(hits >= QUERIES.length - 3, `the cache answered ${hits} of ${QUERIES.length}`);
  // Newer points, an older point (must not replace the newest), an equal time overwriting one field.
  await write(`
    m,host=a,region=west v=4,b=false 4000
    m,host=b,region=west v=0.5,s="old" 500
    m,host=c,region=east s="c3" 3000
    m,host=e,region=east v=11,i=1i 3000
    m,host=d v=10,n=1 5000
  `);
  await compareAll('written after the load');
  const rows = (await t.engine.query('SELECT last(s) FROM m WHERE host = \'c\'', { db: 'db' }))[0]?.series?.[0]?.values;
  assert.deepEqual(rows, [[3000n, 'c3']]);
});

test('deletes, dropped series and a dropped measurement are forgotten', async () => {
  await t.engine.query("DELETE FROM m WHERE host = 'a'", { db: 'db' });
  await compareAll('after DELETE by tag');
  await t.engine.query('DELETE FROM m WHERE time >= 3000', { db: 'db' });
  await compareAll('after DELETE of the newest points');
  await write('m,host=a,region=west v=12 6000\nm,host=b,region=west v=13 2500');
  await t.engine.query("DROP SERIES FROM m WHERE host = 'b'", { db: 'db' });
  await compareAll('after DROP SERIES');
  await t.engine.query('DROP MEASUREMENT m', { db: 'db' });
  assert.deepEqual(await t.engine.query('SELECT last(v) FROM m GROUP BY host', { db: 'db' }), [{ statement_id: 0 }]);
  await write('m,host=z v=1,i=2i,s="z",b=true 7000');
  await compareAll('after DROP MEASUREMENT and a new write');
});

test('after a restart the cache loads again from chDB and the WAL replay', async () => {
  await write('m,host=y v=3,s="y" 8000\nm,host=z v=2 6000');
  await t.engine.close();
  await t.open();
  const hits = await compareAll('after restart');
  assert.ok(hits > 0);
  await write('m,host=y v=4 9000\nm,host=y s="y2" 8000');
  await compareAll('written after restart');
});

test('a measurement past the byte bound is read from chDB, and answers stay right', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 6_000; i++) lines.push(`wide,host=h${i},rack=r${i % 7} v=${i} ${1000 + i}`);
  await write(lines);
  const before = await counter('hyperbytedb_last_value_cache_misses_total', { reason: 'over_budget' });
  const q = 'SELECT last(v) FROM wide GROUP BY rack';
  await assertSameAsStored(t.engine, q);
  assert.ok((await counter('hyperbytedb_last_value_cache_misses_total', { reason: 'over_budget' })) > before);
  assert.ok((await counter('hyperbytedb_last_value_cache_bytes')) <= 2 * 1024 * 1024);
});

test('while writes go on, an answer never misses a write acknowledged before the query (loads race writes)', async () => {
  for (let round = 0; round < 3; round++) {
    const m = `race${round}`;
    const acked = new Map<string, number>();
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 60; i++) {
        const lines = ['h0', 'h1', 'h2'].map((h) => `${m},host=${h} v=${i} ${i * 1000}`).join('\n');
        await t.engine.write({ db: 'db', body: Buffer.from(lines) });
        for (const h of ['h0', 'h1', 'h2']) acked.set(h, i);
      }
      writing = false;
    })();
    let checked = 0;
    while (writing) {
      const before = new Map(acked);
      const series = (await t.engine.query(`SELECT last(v) FROM ${m} GROUP BY host`, { db: 'db' }))[0]?.series ?? [];
      const answered = new Map(series.map((s) => [s.tags!['host']!, s.values[0]!]));
      for (const [host, value] of before) {
        const row = answered.get(host);
        assert.ok(row !== undefined && (row[1] as number) >= value, `${m} ${host}: ${String(row?.[1])} misses acknowledged ${value}`);
        assert.equal(row[0], BigInt((row[1] as number) * 1000));
      }
      checked++;
      // An answer from memory completes in microtasks: let the writer's I/O run between queries.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writer;
    assert.ok(checked > 0);
  }
});
