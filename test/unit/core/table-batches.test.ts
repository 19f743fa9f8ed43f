import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { entryEndsFromVersions, groupByTable, pointsSince, tableKey } from '../../../src/core/flush/table-batches.js';
import type { Point } from '../../../src/core/model/point.js';
import type { WalRecord } from '../../../src/core/wal/wal-port.js';

const point = (measurement: string, v: number): Point => ({ measurement, tags: [], fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [v], timeNs: 1n });

function record(seq: number, version: bigint, catalogIndex: number, points: Point[]): WalRecord {
  return { seq, entry: { db: 'db', rp: 'rp', points, origin: 'n~1', originSeq: seq, version, catalogIndex } };
}

test('each table batch knows where every write of it ends, with its version per point', () => {
  const batches = groupByTable([
    record(1, 10n, 1, [point('a', 1), point('b', 2), point('a', 3)]),
    record(2, 20n, 1, [point('b', 4)]),
    record(3, 30n, 2, [point('a', 5), point('a', 6)]),
  ]);
  const a = batches.get(tableKey('db', 'rp', 'a'))!;
  assert.deepEqual(a.points.map((p) => p.fieldValues[0]), [1, 3, 5, 6]);
  assert.deepEqual(a.versions, [10n, 10n, 30n, 30n]);
  assert.deepEqual(a.entryEnds, [2, 4]);
  const b = batches.get(tableKey('db', 'rp', 'b'))!;
  assert.deepEqual(b.entryEnds, [1, 2]);
  assert.deepEqual(b.versions, [10n, 20n]);
});

test('dropping the writes validated before a catalog index keeps the ends of the writes that remain', () => {
  const batch = groupByTable([
    record(1, 10n, 1, [point('a', 1), point('a', 2)]),
    record(2, 20n, 3, [point('a', 3)]),
    record(3, 30n, 1, [point('a', 4)]),
    record(4, 40n, 3, [point('a', 5), point('a', 6)]),
    record(5, 50n, 4, [point('a', 7)]),
  ]).get(tableKey('db', 'rp', 'a'))!;
  assert.deepEqual(batch.entryEnds, [2, 3, 4, 6, 7]);
  const kept = pointsSince(batch, 3)!;
  assert.deepEqual(kept.points.map((p) => p.fieldValues[0]), [3, 5, 6, 7]);
  assert.deepEqual(kept.versions, [20n, 40n, 40n, 50n]);
  assert.deepEqual(kept.entryEnds, [1, 3, 4]);
  assert.equal(pointsSince(batch, 5), null);
  assert.equal(pointsSince(batch, 1), batch);
});

test('the flush encoder thread never loads chdb (a second copy of its addon breaks the process’s connections)', () => {
  const root = fileURLToPath(new URL('../../../src/core/flush/flush-encoder-worker.ts', import.meta.url));
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Value imports only: `import type` is erased.
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const spec = match[1]!;
      assert.notEqual(spec, 'chdb', `${file} imports chdb`);
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(root);
  assert.ok(seen.size > 3, [...seen].join(', '));
});

test('a batch kept aside without its writes’ ends takes them from where the version changes', () => {
  assert.deepEqual(entryEndsFromVersions([]), []);
  assert.deepEqual(entryEndsFromVersions([5n]), [1]);
  assert.deepEqual(entryEndsFromVersions([5n, 5n, 7n, 9n, 9n, 9n]), [2, 3, 6]);
});
