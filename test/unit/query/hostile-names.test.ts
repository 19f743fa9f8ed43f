// Identifiers and strings with quotes, backticks, backslashes and newlines must reach chDB only
// through naming.ts quoting: queries return the right rows and nothing is injected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeQuery } from '../../../src/core/query/index.js';
import { formatResultsJson } from '../../../src/http/encode/json.js';
import { ChdbQueryPort } from './support/chdb-query-port.js';
import { qualifiedTable } from '../../../src/core/store/naming.js';

const MEASUREMENT = 'we"ird`m\\e\nx\';DROP';
const TAG = "ta'g`\\";
const FIELD = 'f"i`eld\\\'';
const VALUE = "v'al`ue\\\n) OR 1=1 --";

/** InfluxQL double-quoted identifier. */
function ident(name: string): string {
  return '"' + name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

/** InfluxQL single-quoted string. */
function str(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

let port: ChdbQueryPort;

async function q(text: string): Promise<string> {
  return formatResultsJson(await executeQuery(text, { db: 'd`b"\\' }, port));
}

before(async () => {
  port = new ChdbQueryPort();
  port.createDatabase('d`b"\\');
  await port.defineMeasurement('d`b"\\', 'autogen', MEASUREMENT, [TAG], { [FIELD]: 'string' });
  await port.insert('d`b"\\', 'autogen', MEASUREMENT, [
    { timeNs: 1_000_000_000n, tags: { [TAG]: VALUE }, fields: { [FIELD]: VALUE } },
    { timeNs: 2_000_000_000n, tags: { [TAG]: 'plain' }, fields: { [FIELD]: 'x' } },
  ]);
});

after(() => port.close());

test('SELECT with hostile measurement, tag, field and value', async () => {
  const out = await q(`SELECT ${ident(FIELD)} FROM ${ident(MEASUREMENT)} WHERE ${ident(TAG)} = ${str(VALUE)}`);
  const parsed = JSON.parse(out) as { results: Array<{ series: Array<{ name: string; columns: string[]; values: unknown[][] }> }> };
  const series = parsed.results[0]?.series[0];
  assert.equal(series?.name, MEASUREMENT);
  assert.deepEqual(series?.columns, ['time', FIELD]);
  assert.deepEqual(series?.values, [['1970-01-01T00:00:01Z', VALUE]]);
});

test('regex, GROUP BY and SHOW statements over hostile names', async () => {
  const grouped = JSON.parse(await q(`SELECT count(${ident(FIELD)}) FROM ${ident(MEASUREMENT)} GROUP BY ${ident(TAG)}`)) as {
    results: Array<{ series: Array<{ tags: Record<string, string> }> }>;
  };
  assert.deepEqual(grouped.results[0]?.series.map((s) => s.tags[TAG]), ['plain', VALUE]);
  const values = JSON.parse(await q(`SHOW TAG VALUES WITH KEY = ${ident(TAG)}`)) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
  assert.deepEqual(values.results[0]?.series[0]?.values, [[TAG, 'plain'], [TAG, VALUE]]);
  const filtered = JSON.parse(await q(`SELECT ${ident(FIELD)} FROM /we.*/ WHERE ${ident(TAG)} =~ /^v'al/`)) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
  assert.equal(filtered.results[0]?.series[0]?.values.length, 1);
  assert.equal(await q(`SHOW MEASUREMENTS WITH MEASUREMENT = ${ident(MEASUREMENT)}`), formatResultsJson([{ statement_id: 0, series: [{ name: 'measurements', columns: ['name'], values: [[MEASUREMENT]] }] }]));
});

test('DELETE predicates quote hostile values and run as valid SQL', async () => {
  port.commands.length = 0;
  await q(`DELETE FROM ${ident(MEASUREMENT)} WHERE ${ident(TAG)} = ${str(VALUE)}`);
  const command = port.commands[0];
  assert.ok(command?.kind === 'delete-data');
  assert.deepEqual(command.measurements, [MEASUREMENT]);
  const check = await port.runSql(`SELECT count() FROM ${qualifiedTable('d`b"\\', 'autogen', MEASUREMENT)} FINAL WHERE ${command.whereSql}`);
  assert.deepEqual(check.rows, [['1']]);
});

