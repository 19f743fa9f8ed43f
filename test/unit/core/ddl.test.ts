// Schema evolution in chDB: ALTERs split within a budget, columns learnt after a restart, the
// versioned field layout converging whatever order inserts arrive in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ChdbSession, CONNECTION_LIMITS } from '../../../src/core/store/chdb-session.js';
import { alterStatements, DEFAULT_DDL_BUDGET, fieldColumnGroup, MAX_INDEXED_TAG_KEYS, OutdatedTableLayoutError, SchemaManager, splitByBudget, tagColumnGroup } from '../../../src/core/store/ddl.js';
import { encodeInsert, type InsertRows } from '../../../src/core/store/insert-encoder.js';
import { insertTarget, qualifiedTable } from '../../../src/core/store/naming.js';
import type { FieldType, FieldValue, Point } from '../../../src/core/model/point.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-ddl-'));
const session = new ChdbSession({ dir: join(dir, 'chdb'), stagingDir: join(dir, 'staging') });
session.open();
after(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

test('DDL is split by bytes and by definitions, a tag’s column and index staying together', () => {
  const groups = [tagColumnGroup('host'), ...Array.from({ length: 9 }, (_, i) => fieldColumnGroup(`f${i}`, 'float'))];
  const byCount = alterStatements('`d`.`t`', groups, { maxBytes: 1 << 20, maxDefinitions: 3 });
  assert.deepEqual(
    byCount.map((statement) => statement.match(/ADD (COLUMN|INDEX)/g)?.length),
    [3, 3, 3, 2], // the tag's two definitions plus one field, then three fields at a time
  );
  assert.match(byCount[0]!, /^ALTER TABLE `d`\.`t` ADD COLUMN IF NOT EXISTS `t_host` LowCardinality\(String\), ADD INDEX IF NOT EXISTS `i_t_host` `t_host` TYPE set\(128\) GRANULARITY 1, ADD COLUMN IF NOT EXISTS `v_f0` SimpleAggregateFunction\(max, Tuple\(UInt64, Nullable\(Float64\)\)\)$/);
  const bySize = alterStatements('`d`.`t`', groups, { maxBytes: 400, maxDefinitions: 1000 });
  assert.ok(bySize.length > 1);
  for (const statement of bySize) assert.ok(Buffer.byteLength(statement) <= 400, statement);
  assert.equal(bySize.join(', ').match(/ADD (COLUMN|INDEX)/g)?.length, 11);
  // A group larger than the budget still goes, alone.
  const huge = splitByBudget([fieldColumnGroup('x'.repeat(1000), 'string'), fieldColumnGroup('y', 'string')], { maxBytes: 400, maxDefinitions: 1000 });
  assert.deepEqual(huge.map((run) => run.length), [1, 1]);
  assert.deepEqual(alterStatements('`d`.`t`', []), []);
  // The default budget stays far inside the limits every connection is opened with.
  assert.ok(DEFAULT_DDL_BUDGET.maxBytes * 2 <= CONNECTION_LIMITS.maxQuerySize);
  assert.ok(DEFAULT_DDL_BUDGET.maxDefinitions * 100 <= CONNECTION_LIMITS.maxAstElements);
});

test('a wide table is created with its first columns, grows in bounded ALTERs, and a restart adds only what is new', async () => {
  const fields = Array.from({ length: 300 }, (_, i) => [`field ${i}`, i % 2 ? 'float' : 'string'] as const);
  const tagKeys = Array.from({ length: 30 }, (_, i) => `tag-${i}`);
  const statements: string[] = [];
  const counting = Object.create(session) as ChdbSession;
  counting.exec = (sql: string) => {
    statements.push(sql.slice(0, 12));
    return session.exec(sql);
  };
  const budget = { maxBytes: 1 << 20, maxDefinitions: 200 };
  await new SchemaManager(counting, budget).ensureTable('wide', 'rp', 'm', { tagKeys, fields });
  // 30 tags (the first 16 with an index) and 154 fields fit the CREATE; 146 fields take an ALTER.
  assert.deepEqual(statements, ['CREATE DATAB', 'CREATE TABLE', 'ALTER TABLE ']);
  const described = await session.query(`SELECT count() FROM system.columns WHERE database = 'hb_wide__rp' AND table = 'm_m'`);
  assert.equal(Number(described.rows[0]![0]), 3 + 30 + 300); // _ns, time, _series, the tags, the fields
  statements.length = 0;
  // A fresh manager (a restart) learns the columns instead of adding them again.
  await new SchemaManager(counting, budget).ensureTable('wide', 'rp', 'm', { tagKeys: [...tagKeys, 'new tag'], fields: [...fields, ['new field', 'boolean']] });
  assert.deepEqual(statements, ['CREATE DATAB', 'CREATE TABLE', 'ALTER TABLE ']);
  const added = await session.query(`SELECT name, type FROM system.columns WHERE database = 'hb_wide__rp' AND table = 'm_m' AND name IN ('t_new_20tag', 'v_new_20field')`);
  const indexes = await session.query(`SELECT count() FROM system.data_skipping_indices WHERE database = 'hb_wide__rp' AND table = 'm_m'`);
  assert.equal(Number(indexes.rows[0]![0]), MAX_INDEXED_TAG_KEYS);
  assert.deepEqual(added.rows, [
    ['t_new_20tag', 'LowCardinality(String)'],
    ['v_new_20field', 'SimpleAggregateFunction(max, Tuple(UInt64, Nullable(Bool)))'],
  ]);
});

test('a table of the older layout met after the engine opened (it upgrades them when it opens) is refused with a clear error', async () => {
  await session.exec('CREATE DATABASE IF NOT EXISTS hb_old__rp');
  await session.exec(
    "CREATE TABLE hb_old__rp.m_m (`time` DateTime64(9, 'UTC'), `_series` String, `f_v` SimpleAggregateFunction(anyLast, Nullable(Float64))) ENGINE = AggregatingMergeTree ORDER BY (`_series`, `time`)",
  );
  await assert.rejects(new SchemaManager(session).ensureTable('old', 'rp', 'm', { tagKeys: [], fields: [['v', 'float']] }), OutdatedTableLayoutError);
});

const TYPES: readonly FieldType[] = ['float', 'integer', 'unsigned', 'string', 'boolean'];

function valueOf(type: FieldType): fc.Arbitrary<FieldValue> {
  switch (type) {
    case 'float':
      // -0 and 0 compare equal and ClickHouse keeps either: left out, as a tie would be ambiguous.
      return fc.oneof(fc.constantFrom(Number.NaN, -Infinity, Infinity, 1, 2), fc.double({ noDefaultInfinity: true })).map((x) => (Object.is(x, -0) ? 0 : x));
    case 'integer':
      return fc.oneof(fc.constantFrom(-1n, 0n, 1n), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })).map(String);
    case 'unsigned':
      return fc.oneof(fc.constantFrom(0n, 1n, 2n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(String);
    case 'string':
      return fc.oneof(fc.constantFrom('a', 'b', 'é', 'z', ''), fc.string({ unit: 'binary', maxLength: 4 }));
    case 'boolean':
      return fc.boolean();
  }
}

/** One write: a version (few distinct ones, so ties happen) and points over a few series, times and fields. */
const writeArb = fc.record({
  version: fc.constantFrom(1n, 2n, 3n, (1n << 64n) - 1n),
  points: fc.array(
    fc.record({
      host: fc.constantFrom('a', 'b'),
      time: fc.constantFrom(1n, 2n),
      fields: fc.uniqueArray(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 3 }).chain((slots) => fc.tuple(...slots.map((slot) => valueOf(TYPES[slot]!).map((value) => [slot, value] as const)))),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

type GeneratedWrite = { version: bigint; points: Array<{ host: string; time: bigint; fields: ReadonlyArray<readonly [number, FieldValue]> }> };

function toRows(list: readonly GeneratedWrite[]): InsertRows {
  const rows = { points: [] as Point[], versions: [] as bigint[], entryEnds: [] as number[] };
  for (const write of list) {
    for (const point of write.points) {
      const sorted = [...point.fields].sort((a, b) => a[0] - b[0]);
      rows.points.push({
        measurement: 'm',
        tags: ['host', point.host],
        fieldKeys: sorted.map(([slot]) => `f${slot}`),
        fieldTypes: sorted.map(([slot]) => TYPES[slot]!),
        fieldValues: sorted.map(([, value]) => value),
        timeNs: point.time,
      });
      rows.versions.push(write.version);
    }
    rows.entryEnds.push(rows.points.length);
  }
  return rows;
}

const fieldTypes = new Map(TYPES.map((type, slot) => [`f${slot}`, type]));

async function insert(table: string, rows: InsertRows): Promise<void> {
  const encoded = encodeInsert(rows, fieldTypes);
  await new SchemaManager(session).ensureTable('conv', 'rp', table, { tagKeys: ['host'], fields: [...fieldTypes] });
  await session.insertRowBinary(insertTarget('conv', 'rp', table), encoded.columns, encoded.structure, encoded.payload);
}

async function contents(table: string): Promise<ReadonlyArray<readonly unknown[]>> {
  const fields = TYPES.map((_, slot) => `v_f${slot}.2`).join(', ');
  return (await session.query(`SELECT _series, toUnixTimestamp64Nano(time), ${fields} FROM ${qualifiedTable('conv', 'rp', table)} FINAL ORDER BY _series, time`)).rows;
}

test('the flush’s merge of duplicates is ClickHouse’s: one insert, inserts in WAL order and in reverse all read the same', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(writeArb, { minLength: 2, maxLength: 4 }), async (list) => {
      run++;
      const together = `together${run}`;
      const forward = `forward${run}`;
      const backward = `backward${run}`;
      await insert(together, toRows(list));
      for (const write of list) await insert(forward, toRows([write]));
      for (const write of [...list].reverse()) await insert(backward, toRows([write]));
      const expected = await contents(together);
      assert.deepEqual(await contents(forward), expected);
      assert.deepEqual(await contents(backward), expected);
      // And once the parts are merged for good.
      await session.exec(`OPTIMIZE TABLE ${qualifiedTable('conv', 'rp', backward)} FINAL`);
      assert.deepEqual(await contents(backward), expected);
    }),
    { numRuns: 15, seed: 20261207 },
  );
});
