// GROUP BY time() fill: the buckets a series spans (bounded per statement before any filling)
// and the rows of empty buckets per fill option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketSpan, checkSelectBuckets, fillBuckets, type BucketGrid, type FillInput } from '../../../src/core/query/execute/bucket-fill.js';
import { RowPacer } from '../../../src/core/query/execute/row-pacer.js';
import { MAX_TIME_NS, MIN_TIME_NS } from '../../../src/core/query/language/time-literal.js';

const S = 1_000_000_000n;
const grid: BucketGrid = { everyNs: 10n * S, offsetNs: 0n };
const nowNs = 1_000n * S;

test('a bounded range spans its buckets; without a lower bound the series starts at its first bucket', () => {
  assert.deepEqual(bucketSpan({ grid, range: { minNs: 5n * S, maxNs: 59n * S, upperBounded: true }, nowNs }), { firstNs: 0n, lastNs: 50n * S, count: 6n });
  assert.deepEqual(bucketSpan({ grid, range: { minNs: MIN_TIME_NS, maxNs: 59n * S, upperBounded: true }, nowNs, dataMinNs: 30n * S }), { firstNs: 30n * S, lastNs: 50n * S, count: 3n });
  assert.equal(bucketSpan({ grid, range: { minNs: MIN_TIME_NS, maxNs: 59n * S }, nowNs }), undefined);
  assert.equal(bucketSpan({ grid, range: { minNs: 60n * S, maxNs: 10n * S, upperBounded: true }, nowNs })?.count, 0n);
});

test('only a range without any upper bound ends at now(); an upper bound at the largest time ends there', () => {
  assert.equal(bucketSpan({ grid, range: { minNs: 0n, maxNs: MAX_TIME_NS }, nowNs })?.lastNs, nowNs);
  const toMax = bucketSpan({ grid, range: { minNs: 0n, maxNs: MAX_TIME_NS, upperBounded: true }, nowNs });
  assert.equal(toMax?.lastNs, MAX_TIME_NS - (MAX_TIME_NS % (10n * S)));
  assert.equal(toMax?.count, MAX_TIME_NS / (10n * S) + 1n);
});

test('tz() buckets align to local midnight', () => {
  const day = 86_400n * S;
  const ny: BucketGrid = { everyNs: day, offsetNs: 0n, timezone: 'America/New_York' };
  // 2023-03-01T12:00Z is 07:00 in New York (UTC-5): its day starts at 05:00Z.
  const noon = 1_677_672_000n * S;
  assert.deepEqual(bucketSpan({ grid: ny, range: { minNs: noon, maxNs: noon + day, upperBounded: true }, nowNs }), { firstNs: noon - 7n * 3600n * S, lastNs: noon - 7n * 3600n * S + day, count: 2n });
});

test('the statement bound names the buckets and the limit like InfluxDB', () => {
  checkSelectBuckets(10n, 10);
  assert.throws(() => checkSelectBuckets(11n, 10), { message: 'max-select-buckets limit exceeded: (11/10)' });
});

function input(fill: FillInput['fill'], rows: unknown[][], extra: Partial<FillInput> = {}): FillInput {
  const span = bucketSpan({ grid, range: { minNs: 0n, maxNs: 49n * S, upperBounded: true }, nowNs });
  assert.ok(span !== undefined);
  return { rows, span, grid, fill, columns: [{}, { fillZero: true }, { unfilled: true }], pacer: new RowPacer(undefined), ...extra };
}

const data = (): unknown[][] => [
  [10n * S, 1, 2n, 5],
  [40n * S, 4, 8n, 7],
];

test('fill(null|number|previous|linear): empty buckets per column kind', async () => {
  assert.deepEqual(await fillBuckets(input({ kind: 'null' }, data())), [
    [0n, null, 0n, null],
    [10n * S, 1, 2n, 5],
    [20n * S, null, 0n, null],
    [30n * S, null, 0n, null],
    [40n * S, 4, 8n, 7],
  ]);
  assert.deepEqual((await fillBuckets(input({ kind: 'number', value: -1 }, data())))[2], [20n * S, -1, -1, null]);
  assert.deepEqual((await fillBuckets(input({ kind: 'previous' }, data()))).map((r) => r.slice(1)), [
    [null, null, null],
    [1, 2n, 5],
    [1, 2n, null],
    [1, 2n, null],
    [4, 8n, 7],
  ]);
  assert.deepEqual((await fillBuckets(input({ kind: 'linear' }, data()))).map((r) => r.slice(1, 3)), [
    [null, null],
    [1, 2n],
    [2, 4n],
    [3, 6n],
    [4, 8n],
  ]);
});

/** A pacer that aborts its own statement at the first pause, and counts the pauses after it. */
class AbortingPacer extends RowPacer {
  pauses = 0;
  constructor(private readonly abort: AbortController) {
    super(abort.signal, 1_000);
  }
  override pause(): Promise<void> {
    this.pauses++;
    this.abort.abort();
    return super.pause();
  }
}

test('filling stops at the next slice once the statement is aborted', async () => {
  const wide = bucketSpan({ grid, range: { minNs: 0n, maxNs: 1_000_000n * 10n * S, upperBounded: true }, nowNs });
  assert.ok(wide !== undefined);
  const pacer = new AbortingPacer(new AbortController());
  await assert.rejects(fillBuckets({ ...input({ kind: 'null' }, data()), span: wide, pacer }), { name: 'AbortError' });
  // A million buckets are a thousand slices: the fill must stop at the first pause after the abort.
  assert.equal(pacer.pauses, 1, 'the fill ran on after the abort');
});
