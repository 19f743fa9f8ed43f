// Seeded random reads of the shapes the recent-points cache takes, over random data written out of
// order (missing fields, equal-time overwrites): each answer equals the chDB path's (the same
// query with an SLIMIT no answer reaches, which the cache never takes).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameAsStored } from '../../support/cache-compare.js';
import { CacheTestEngine } from '../../support/cache-engine.js';
import { seededRandom } from '../../support/dataset.js';

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;
const t = new CacheTestEngine('hb-rpr-', { recentPointsCache: { mode: 'on', maxBytes: 8 * 1024 * 1024, windowNs: 3600n * S } });

before(() => t.start());
after(() => t.stop());

const rand = seededRandom(20261208);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const iso = (seconds: number): string => new Date(Number((T0 + BigInt(seconds) * S) / 1_000_000n)).toISOString();

/** Points at random seconds of a 20-minute span, written in random order, some at equal times. */
function randomLines(count: number): string[] {
  const lines: string[] = [];
  for (let n = 0; n < count; n++) {
    const fields: string[] = [];
    if (rand() < 0.8) fields.push(`v=${Math.round(rand() * 2000 - 1000) / 8}`);
    if (rand() < 0.6) fields.push(`i=${Math.floor(rand() * 200 - 100)}i`);
    if (rand() < 0.2) fields.push(`s="${pick(['x', 'y', ''])}"`);
    if (fields.length === 0) fields.push('v=0.5');
    lines.push(`m,host=${pick(['a', 'b', 'c', 'd', 'e'])},dc=${pick(['n', 's'])} ${fields.join(',')} ${T0 + BigInt(Math.floor(rand() * 1200)) * S}`);
  }
  return lines;
}

function randomQuery(): string {
  const from = Math.floor(rand() * 900) - 60;
  const to = from + 30 + Math.floor(rand() * 600);
  const where = [`time >= '${iso(from)}'`, `time < '${iso(to)}'`];
  if (rand() < 0.4) where.push(pick(["host = 'a'", "host != 'b'", "dc = 's'", "host =~ /^[a-c]$/", "(host = 'a' OR dc = 'n')"]));
  if (rand() < 0.3) where.push(pick(['v > 0', 'i <= 10', '(v < -50 OR i > 50)', 'v != 12.5']));
  const order = rand() < 0.2 ? ' ORDER BY time DESC' : '';
  const limit = rand() < 0.2 ? ` LIMIT ${1 + Math.floor(rand() * 4)}${rand() < 0.5 ? ' OFFSET 1' : ''}` : '';
  if (rand() < 0.35) {
    const select = pick(['*', 'v', 'v, i', 's, host', 'i, dc']);
    const groupBy = pick(['', ' GROUP BY host', ' GROUP BY dc', ' GROUP BY *']);
    return `SELECT ${select} FROM m WHERE ${where.join(' AND ')}${groupBy}${order}${limit}`;
  }
  const aggs = pick(['max(v)', 'min(i), max(i)', 'count(v), count(s)', 'sum(v), mean(v)', 'mean(v), count(i), min(v)']);
  const every = pick(['10s', '1m', '90s', '5m']);
  const offset = rand() < 0.3 ? `, ${pick(['7s', '-20s', '1m'])}` : '';
  const tags = pick(['', ', host', ', dc', ', *']);
  const fill = pick(['', ' fill(none)', ' fill(0)', ' fill(previous)', ' fill(linear)']);
  return `SELECT ${aggs} FROM m WHERE ${where.join(' AND ')} GROUP BY time(${every}${offset})${tags}${fill}${order}${limit}`;
}

test('random reads match chDB through rounds of random out-of-order writes', async () => {
  let queries = 0;
  // One dense series too, stored in parts written newest first: a load reads it in several blocks
  // and threads, whose rows may come out of time order.
  const dense = Array.from({ length: 20_000 }, (_, i) => `m,host=z,dc=n v=${i % 97},i=${i}i ${T0 + BigInt(i) * 100_000_000n}`);
  for (let part = 3; part >= 0; part--) {
    await t.write(dense.slice(part * 5_000, (part + 1) * 5_000));
    await t.engine.flush();
  }
  for (let round = 0; round < 4; round++) {
    await t.write(randomLines(round === 0 ? 1500 : 300));
    for (let q = 0; q < 40; q++, queries++) await assertSameAsStored(t.engine, randomQuery(), `round ${round}`);
  }
  const hits = await t.counter('hyperbytedb_recent_points_cache_hits_total');
  assert.ok(hits > queries * 0.8, `the cache answered ${hits} of ${queries} reads`);
});
