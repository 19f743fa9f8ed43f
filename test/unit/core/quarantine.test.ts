// Batches kept aside survive a restart and are retried as they were stored; one an older release
// kept (no record of where its writes end) is retried with the ends its versions give.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { Quarantine } from '../../../src/core/flush/quarantine.js';
import { groupByTable, tableKey, type TableBatch } from '../../../src/core/flush/table-batches.js';
import type { Point } from '../../../src/core/model/point.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-quarantine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const point = (v: number): Point => ({ measurement: 'm', tags: ['host', 'a'], fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [v], timeNs: 1n });

test('a batch stored without its writes’ ends is retried with the ends of its version runs', async () => {
  const batch = groupByTable([
    { seq: 1, entry: { db: 'db', rp: 'rp', points: [point(1), point(2)], origin: 'n~1', originSeq: 1, version: 10n, catalogIndex: 1 } },
    { seq: 2, entry: { db: 'db', rp: 'rp', points: [point(3)], origin: 'n~1', originSeq: 2, version: 20n, catalogIndex: 1 } },
  ]).get(tableKey('db', 'rp', 'm'))!;
  const first = new Quarantine(join(dir, 'q'), () => 0, { first: 1, max: 10 });
  await first.open();
  await first.add(batch, 'failing');
  // Rewrite the file as the release before writes' ends were kept wrote it.
  const packr = new Packr({ useRecords: true, int64AsType: 'bigint' });
  const [tableDir] = readdirSync(join(dir, 'q'));
  const [file] = readdirSync(join(dir, 'q', tableDir!));
  const path = join(dir, 'q', tableDir!, file!);
  const { entryEnds, ...older } = packr.unpack(readFileSync(path)) as { entryEnds: number[] };
  assert.deepEqual(entryEnds, [2, 3]);
  writeFileSync(path, packr.pack(older));

  const restarted = new Quarantine(join(dir, 'q'), () => 0, { first: 1, max: 10 });
  await restarted.open();
  assert.equal(restarted.list()[0]?.points, 3);
  const retried: TableBatch[] = [];
  assert.equal(await restarted.retry(tableKey('db', 'rp', 'm'), async (b) => void retried.push(b)), true);
  assert.deepEqual(retried.map((b) => [b.points.map((p) => p.fieldValues[0]), b.versions, b.entryEnds]), [[[1, 2, 3], [10n, 10n, 20n], [2, 3]]]);
  assert.deepEqual(restarted.list(), []);
});
