// RowPacer: every slice of rows it checks the abort signal and yields to the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterPaced, ROWS_PER_SLICE, RowPacer, sortPaced } from '../../../src/core/query/execute/row-pacer.js';

test('due() is true once per slice of rows, counting batches too', () => {
  const pacer = new RowPacer(undefined, 3);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => pacer.due()), [false, false, true, false, false, true]);
  assert.equal(pacer.due(10), true);
  assert.equal(pacer.due(), false);
  assert.equal(ROWS_PER_SLICE, 10_000);
  assert.throws(() => new RowPacer(undefined, 0), RangeError);
});

test('pause() lets timers and I/O run, and throws the reason once the signal aborts', async () => {
  const abort = new AbortController();
  const pacer = new RowPacer(abort.signal);
  let ticked = false;
  setImmediate(() => (ticked = true));
  await pacer.pause();
  assert.equal(ticked, true);
  abort.abort(new Error('client gone'));
  await assert.rejects(pacer.pause(), { message: 'client gone' });
});

test('a loop paced per row stops within one slice of the abort', async () => {
  const abort = new AbortController();
  const pacer = new RowPacer(abort.signal, 100);
  let rows = 0;
  setImmediate(() => abort.abort());
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 1_000_000; i++) {
        if (pacer.due()) await pacer.pause();
        rows++;
      }
    })(),
    { name: 'AbortError' },
  );
  assert.ok(rows <= 200, `ran ${rows} rows after the abort`);
});

test('filterPaced and sortPaced give filter() and a stable sort(), and stop once aborted', async () => {
  const items = Array.from({ length: 5_000 }, (_, i) => ({ key: (i * 7919) % 101, at: i }));
  const byKey = (a: { key: number }, b: { key: number }): number => a.key - b.key;
  assert.deepEqual(await filterPaced(items, (x) => x.key % 3 === 0, new RowPacer(undefined, 64)), items.filter((x) => x.key % 3 === 0));
  for (const n of [0, 1, 2, 3, 100, 5_000]) {
    const list = items.slice(0, n);
    assert.deepEqual(await sortPaced(list, byKey, new RowPacer(undefined, 64)), list.slice().sort(byKey), `n=${n}`);
  }
  assert.equal(items[0]?.at, 0, 'the input is left as it was');
  const abort = new AbortController();
  abort.abort(new Error('query timeout'));
  await assert.rejects(sortPaced(items, byKey, new RowPacer(abort.signal, 64)), { message: 'query timeout' });
  await assert.rejects(filterPaced(items, () => true, new RowPacer(abort.signal, 64)), { message: 'query timeout' });
});
