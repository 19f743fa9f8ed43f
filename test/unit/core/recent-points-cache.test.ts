// The recent-points cache inside the engine (real WAL and chDB): every read it answers equals the
// chDB path's answer (the same query with an SLIMIT no answer reaches, which the cache never takes)
// through writes newer, older and at equal times, new fields and series, deletes, drops, a
// restart, a window shorter than the data and its byte bound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameAsStored } from '../../support/cache-compare.js';
import { CacheTestEngine } from '../../support/cache-engine.js';

const S = 1_000_000_000n;
/** 2020-09-13T12:26:40Z: the data's first second. */
const T0 = 1_600_000_000n * S;
const t = new CacheTestEngine('hb-rpc-', {
  lastValueCache: { mode: 'off', maxBytes: 2 * 1024 * 1024, depth: 3 },
  firstValueCache: { mode: 'off', maxBytes: 2 * 1024 * 1024, depth: 2 },
  // Ten minutes: the data below spans about five, until the window test writes later points.
  recentPointsCache: { mode: 'on', maxBytes: 2 * 1024 * 1024, windowNs: 600n * S },
});

before(() => t.start());
after(() => t.stop());

const counter = (name: string, labels: Record<string, string> = {}): Promise<number> => t.counter(name, labels);
const write = (lines: readonly string[]): Promise<void> => t.write(lines);

const at = (seconds: number): bigint => T0 + BigInt(seconds) * S;
const iso = (seconds: number): string => new Date(Number(at(seconds) / 1_000_000n)).toISOString();

/** 300 s of points every 10 s for four hosts in two regions; some rows lack v, carry s or b. */
function dataset(): string[] {
  const lines: string[] = [];
  for (let t = 0; t < 300; t += 10) {
    ['a', 'b', 'c', 'd'].forEach((host, h) => {
      const region = h < 2 ? 'west' : 'east';
      const fields = [`i=${t * 7 + h}i`];
      if ((t / 10 + h) % 5 !== 0) fields.push(`v=${((t * 13 + h * 31) % 97) / 4}`);
      if (t % 30 === 0) fields.push(`s="${host}${t}"`);
      if (t % 40 === 0) fields.push(`b=${h % 2 === 0}`);
      lines.push(`m,host=${host},region=${region} ${fields.join(',')} ${at(t)}`);
    });
  }
  return lines;
}

const range = (from: number, to: number): string => `time >= '${iso(from)}' AND time < '${iso(to)}'`;

/** Reads the cache answers (most) or declines (shapes it does not take). */
function queries(): string[] {
  return [
    `SELECT max(v) FROM m WHERE host = 'a' AND ${range(0, 300)} GROUP BY time(1m)`,
    `SELECT max(v), min(v), count(v), sum(v), mean(v) FROM m WHERE ${range(20, 250)} GROUP BY time(1m)`,
    `SELECT max(i), min(i), count(i), count(s), count(b) FROM m WHERE ${range(0, 300)} GROUP BY time(45s), region`,
    `SELECT mean(v) FROM m WHERE ${range(0, 300)} GROUP BY time(1m, 15s), host fill(none)`,
    `SELECT mean(v) FROM m WHERE ${range(-60, 400)} GROUP BY time(1m), host fill(0)`,
    `SELECT count(v) FROM m WHERE ${range(0, 300)} GROUP BY time(30s) fill(previous) ORDER BY time DESC`,
    `SELECT max(v) FROM m WHERE v > 10 AND host != 'b' AND ${range(0, 300)} GROUP BY time(1m), *`,
    `SELECT max(v) FROM m WHERE (v < 5 OR i >= 1000) AND ${range(0, 300)} GROUP BY time(1m) LIMIT 2 OFFSET 1`,
    `SELECT * FROM m WHERE ${range(0, 300)}`,
    `SELECT * FROM m WHERE v > 20.0 AND host = 'c' AND ${range(0, 300)}`,
    `SELECT v, s, host FROM m WHERE ${range(100, 200)} GROUP BY region`,
    `SELECT v FROM m WHERE ${range(0, 300)} ORDER BY time DESC LIMIT 3`,
    `SELECT s, b FROM m WHERE ${range(0, 300)} GROUP BY host LIMIT 2 OFFSET 1`,
    `SELECT i, nosuch FROM m WHERE i = 7 OR i = 140 AND ${range(0, 300)}`,
    `SELECT * FROM m WHERE ${range(0, 300)} AND nosuch > 1`,
    // Not taken: a transformation, a selector with its time.
    `SELECT derivative(max(v)) FROM m WHERE ${range(0, 300)} GROUP BY time(1m)`,
    `SELECT max(v) FROM m WHERE ${range(0, 300)}`,
  ];
}

async function compareAll(step: string): Promise<number> {
  const hitsBefore = await counter('hyperbytedb_recent_points_cache_hits_total');
  for (const q of queries()) await assertSameAsStored(t.engine, q, `${step}: ${q}`);
  return (await counter('hyperbytedb_recent_points_cache_hits_total')) - hitsBefore;
}

test('reads match chDB after the load and through writes newer, older and at equal times', async () => {
  await write(dataset());
  const hits = await compareAll('loaded');
  assert.ok(hits >= queries().length - 2, `the cache answered ${hits} of ${queries().length}`);
  await write([
    `m,host=a,region=west v=100 ${at(400)}`,
    `m,host=a,region=west v=-5,i=1i ${at(5)}`,
    `m,host=b,region=west v=55.5 ${at(20)}`,
    `m,host=c,region=east s="late",w=1 ${at(30)}`,
    `m,host=e,region=east v=3,b=true ${at(31)}`,
  ]);
  const later = await compareAll('written after the load');
  assert.ok(later >= queries().length - 2, `the cache answered ${later} of ${queries().length}`);
  const overwritten = (await t.engine.query(`SELECT v, i FROM m WHERE host = 'b' AND time = ${at(20)}`, { db: 'db' }))[0]?.series?.[0]?.values;
  assert.deepEqual(overwritten, [[at(20), 55.5, 141n]]);
});

test('a read answered from memory sees a write acknowledged just before it without waiting for its flush', async () => {
  const q = `SELECT max(v), count(v) FROM m WHERE host = 'f' AND ${range(0, 300)} GROUP BY time(5m)`;
  await assertSameAsStored(t.engine, q);
  const flushed = await counter('hyperbytedb_flush_points_total');
  await write([`m,host=f,region=east v=42 ${at(77)}`]);
  const hits = await counter('hyperbytedb_recent_points_cache_hits_total');
  const answer = await t.engine.query(q, { db: 'db' });
  assert.deepEqual(answer[0]?.series?.[0]?.values, [[at(-100), 42, 1n], [at(200), null, 0n]]);
  assert.equal(await counter('hyperbytedb_recent_points_cache_hits_total'), hits + 1);
  assert.equal(await counter('hyperbytedb_flush_points_total'), flushed, 'the write is still in the WAL only');
  // A read the cache does not take flushes first, as before.
  await t.engine.query(`SELECT derivative(max(v)) FROM m WHERE ${range(0, 300)} GROUP BY time(1m)`, { db: 'db' });
  assert.ok((await counter('hyperbytedb_flush_points_total')) > flushed);
});

test('deletes, dropped series and a dropped measurement are forgotten', async () => {
  await t.engine.query("DELETE FROM m WHERE host = 'a'", { db: 'db' });
  await compareAll('after DELETE by tag');
  await t.engine.query(`DELETE FROM m WHERE time <= '${iso(100)}'`, { db: 'db' });
  await compareAll('after DELETE of the oldest points');
  await t.engine.query("DROP SERIES FROM m WHERE host = 'b'", { db: 'db' });
  await compareAll('after DROP SERIES');
  await t.engine.query('DROP MEASUREMENT m', { db: 'db' });
  await write(dataset().slice(0, 40));
  await compareAll('after DROP MEASUREMENT and new writes');
});

test('after a restart the cache loads again from chDB and the WAL replay', async () => {
  await write(dataset());
  await t.engine.close();
  await t.open();
  const hits = await compareAll('after restart');
  assert.ok(hits > 0);
  await write([`m,host=a,region=west v=7 ${at(35)}`, `m,host=z v=8 ${at(36)}`]);
  await compareAll('written after restart');
});

test('a window shorter than the data holds only its newest part; older reads go to chDB', async () => {
  await t.engine.query('DROP MEASUREMENT m', { db: 'db' });
  const lines = dataset();
  // An hour later: the ten-minute window now starts well after the first points.
  for (let t = 3600; t < 3900; t += 10) lines.push(`m,host=a,region=west v=${t % 17},i=${t}i ${at(t)}`);
  await write(lines);
  const recent = `SELECT max(v), count(i) FROM m WHERE ${range(3500, 3900)} GROUP BY time(1m)`;
  const old = `SELECT max(v), count(i) FROM m WHERE ${range(0, 300)} GROUP BY time(1m)`;
  const hits = await counter('hyperbytedb_recent_points_cache_hits_total');
  await assertSameAsStored(t.engine, recent);
  assert.equal(await counter('hyperbytedb_recent_points_cache_hits_total'), hits + 1);
  const inexact = await counter('hyperbytedb_recent_points_cache_misses_total', { reason: 'inexact' });
  await assertSameAsStored(t.engine, old);
  assert.equal(await counter('hyperbytedb_recent_points_cache_misses_total', { reason: 'inexact' }), inexact + 1);
  // A late point older than the window is not held, and needs not be.
  await write([`m,host=a,region=west v=99 ${at(60)}`]);
  await assertSameAsStored(t.engine, recent);
  await assertSameAsStored(t.engine, old);
});

test('a measurement past the byte bound is read from chDB, and answers stay right', async () => {
  const lines: string[] = [];
  // 40,000 rows of eight fields inside the window: about 2.9 MB held, past the 2 MiB bound.
  for (let i = 0; i < 40_000; i++) lines.push(`wide,host=h${i % 50} a=${i},b=${i},c=${i},d=${i},e=${i},f=${i},g=${i},h=${i} ${T0 + BigInt(i) * 10_000_000n}`);
  await write(lines);
  const q = `SELECT max(a) FROM wide WHERE ${range(0, 400)} GROUP BY time(1m)`;
  await assertSameAsStored(t.engine, q);
  assert.ok((await counter('hyperbytedb_recent_points_cache_misses_total', { reason: 'over_budget' })) > 0);
  assert.ok((await counter('hyperbytedb_recent_points_cache_bytes')) <= 2 * 1024 * 1024);
});
