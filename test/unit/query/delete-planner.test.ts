// DELETE and DROP SERIES as catalog commands: without WHERE a measurement loses every series and,
// as in InfluxDB, disappears (SHOW MEASUREMENTS stops listing it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { deleteCommands } from '../../../src/core/query/sql/delete-planner.js';
import { RowPacer } from '../../../src/core/query/execute/row-pacer.js';
import type { DatabaseView, MeasurementView } from '../../../src/core/meta/schema-view.js';

const m = (name: string): MeasurementView => ({ name, tagKeys: ['host'], fieldTypes: new Map([['v', 'float']]) });
const db: DatabaseView = {
  name: 'db0',
  defaultRetentionPolicy: 'autogen',
  retentionPolicies: [{ name: 'autogen', durationNs: 0n, shardGroupDurationNs: 1n, replicaN: 1 }],
  measurements: () => [m('cpu'), m('mem')],
  measurement: (_rp, name) => (name === 'cpu' || name === 'mem' ? m(name) : undefined),
};

async function commands(text: string) {
  const [statement] = parseQuery(text);
  assert.ok(statement?.kind === 'delete' || statement?.kind === 'drop-series');
  return deleteCommands(statement, db, 0n);
}

test('without WHERE, DELETE and DROP SERIES drop the measurement', async () => {
  assert.deepEqual(await commands('DELETE FROM mem'), [{ kind: 'drop-measurement', db: 'db0', name: 'mem' }]);
  assert.deepEqual(await commands('DROP SERIES FROM /.*/'), [
    { kind: 'drop-measurement', db: 'db0', name: 'cpu' },
    { kind: 'drop-measurement', db: 'db0', name: 'mem' },
  ]);
});

test('with WHERE they delete matching rows only', async () => {
  assert.deepEqual(await commands("DELETE FROM cpu WHERE host = 'a'"), [
    { kind: 'delete-data', db: 'db0', measurements: ['cpu'], whereSql: "(`t_host` = 'a')", dropSeries: false },
  ]);
});

test('a regex FROM matches names with RE2 and stops once the statement is aborted', async () => {
  const names = Array.from({ length: 25_000 }, (_, i) => `${'a'.repeat(34)}${i}${i % 2 === 0 ? '' : '!'}`);
  const many: DatabaseView = { ...db, measurements: () => names.map(m) };
  const [statement] = parseQuery('DROP SERIES FROM /^(a+)+\\d+$/');
  assert.ok(statement?.kind === 'drop-series');
  assert.equal((await deleteCommands(statement, many, 0n)).length, 12_500);
  const controller = new AbortController();
  controller.abort(new Error('query timeout'));
  await assert.rejects(deleteCommands(statement, many, 0n, new RowPacer(controller.signal)), /query timeout/);
});
