// The last-value cache in `auto` mode loads a measurement when it is written, so the first
// latest-value query after a load of data finds it ready; every such answer equals chDB's, and a
// cache at half its bound starts no loads from writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameAsStored } from '../../support/cache-compare.js';
import { CacheTestEngine } from '../../support/cache-engine.js';

const t = new CacheTestEngine('hb-lvw-', {
  lastValueCache: { mode: 'auto', maxBytes: 1024 * 1024, depth: 3 },
});

before(() => t.start());
after(() => t.stop());

const counter = (name: string, labels: Record<string, string> = {}): Promise<number> => t.counter(name, labels);
const write = (lines: string | readonly string[]): Promise<void> => t.write(lines);

/** Waits until `loaded` loads completed (bounded). */
async function loadsDone(loaded: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await counter('hyperbytedb_last_value_cache_loads_total')) < loaded) {
    assert.ok(Date.now() < deadline, 'the write never started a load');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sameAsChdb(q: string): Promise<void> {
  return assertSameAsStored(t.engine, q);
}

test('a written measurement is loaded without a query, and the first query is answered from memory', async () => {
  await write(['cpu,host=a v=1 1000', 'cpu,host=b v=2 1000']);
  await loadsDone(1);
  // Later writes are observed by the loaded entry.
  await write(['cpu,host=a v=3 2000', 'cpu,host=b v=0 500']);
  const hits = await counter('hyperbytedb_last_value_cache_hits_total');
  await sameAsChdb('SELECT last(v) FROM cpu GROUP BY host');
  await sameAsChdb('SELECT * FROM cpu GROUP BY host ORDER BY time DESC LIMIT 1');
  assert.equal(await counter('hyperbytedb_last_value_cache_hits_total'), hits + 2);
  assert.equal(await counter('hyperbytedb_last_value_cache_misses_total', { reason: 'loading' }), 0);
});

test('after a DELETE forgot it, the next write loads it again and answers stay right', async () => {
  await t.engine.query('DELETE FROM cpu WHERE time >= 2000', { db: 'db' });
  assert.equal(await counter('hyperbytedb_last_value_cache_measurements'), 0);
  await write(['cpu,host=b v=5 1500']);
  await loadsDone(2);
  const hits = await counter('hyperbytedb_last_value_cache_hits_total');
  await sameAsChdb('SELECT last(v) FROM cpu GROUP BY host');
  assert.equal(await counter('hyperbytedb_last_value_cache_hits_total'), hits + 1);
});

test('a cache over half its bound starts no loads from writes', async () => {
  const lines: string[] = [];
  // About 2,000 series of one field: well over half of 1 MiB once loaded.
  for (let i = 0; i < 2_000; i++) lines.push(`wide,host=h${i} v=${i} 1000`);
  await write(lines);
  await loadsDone(3);
  assert.ok((await counter('hyperbytedb_last_value_cache_bytes')) > 512 * 1024);
  const loads = await counter('hyperbytedb_last_value_cache_loads_total');
  await write(['other,host=a v=1 1000']);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(await counter('hyperbytedb_last_value_cache_loads_total'), loads);
  assert.equal(await counter('hyperbytedb_last_value_cache_measurements'), 2);
  await sameAsChdb('SELECT last(v) FROM other GROUP BY host');
});
