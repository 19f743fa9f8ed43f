// Golden SQL: InfluxQL → ClickHouse text. Filters, buckets, aggregates, GROUP BY tags and
// per-series limits must be pushed into SQL; FINAL merges duplicate points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/parser.js';
import { extractTimeRange } from '../../../src/core/query/condition-sql.js';
import { planMeasurement } from '../../../src/core/query/select-plan.js';
import { edgeRowsSql, tableSourceSql } from '../../../src/core/query/table-source.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';

const cpu: MeasurementView = { name: 'cpu', tagKeys: ['host', 'region'], fieldTypes: new Map([['value', 'float'], ['i', 'integer']]) };

function sql(text: string): string {
  const statement = parseSelect(text);
  return planMeasurement({ statement, db: 'db', rp: 'autogen', measurement: cpu, universe: cpu, range: extractTimeRange(statement.condition, 0n), nowNs: 0n }).sql;
}

const T = 'toUnixTimestamp64Nano(`time`)';
const at = (ns: bigint): string => `fromUnixTimestamp64Nano(toInt64(${ns}), 'UTC')`;
/** The cpu table filtered by `where`, merged by FINAL only when its parts may hold duplicates. */
const source = (...where: string[]): string => tableSourceSql({ db: 'db', rp: 'autogen', measurement: 'cpu', where, final: true });

test('raw select with tag filter and global LIMIT', () => {
  assert.equal(
    sql("SELECT value FROM cpu WHERE host = 'a' AND time > 5s LIMIT 10 OFFSET 2"),
    `SELECT ${T} AS __t, \`f_value\` AS __v0 FROM ${edgeRowsSql(source(`\`time\` >= ${at(5000000001n)}`, "(`t_host` = 'a')", '(`f_value` IS NOT NULL)'), 13, true)} ORDER BY __t LIMIT 2, 10`,
  );
});

test('GROUP BY tag pushes LIMIT BY per series', () => {
  assert.equal(
    sql('SELECT value FROM cpu GROUP BY host ORDER BY time DESC LIMIT 1'),
    `SELECT ${T} AS __t, \`t_host\` AS __g0, \`f_value\` AS __v0 FROM ${edgeRowsSql(source('(`f_value` IS NOT NULL)'), 2, false)} ORDER BY __g0, __t DESC LIMIT 0, 1 BY __g0`,
  );
});

test('GROUP BY time buckets and aggregates in SQL; selecting every field needs no non-null filter', () => {
  assert.equal(
    sql('SELECT mean(value), count(i) FROM cpu WHERE time >= 0 AND time < 1h GROUP BY time(10m), region fill(0)'),
    `SELECT (${T} - (((${T} - toInt64(0)) % toInt64(600000000000)) + toInt64(600000000000)) % toInt64(600000000000)) AS __t, \`t_region\` AS __g0, avg(\`f_value\`) AS __v0, count(\`f_i\`) AS __v1 FROM ${source(`\`time\` >= ${at(0n)}`, `\`time\` <= ${at(3599999999999n)}`)} GROUP BY __t, __g0 HAVING count() > 0 ORDER BY __g0, __t`,
  );
});

test('regex conditions use match() with quoted patterns; unknown fields never match', () => {
  assert.equal(
    sql("SELECT value FROM cpu WHERE host =~ /^a'b\\d/ AND nosuch > 1"),
    `SELECT ${T} AS __t, \`f_value\` AS __v0 FROM ${source("(match(`t_host`, '^a\\'b\\\\d') AND 0)", '(`f_value` IS NOT NULL)')} ORDER BY __t`,
  );
});

test('selector without GROUP BY time returns the point time', () => {
  assert.match(sql('SELECT max(value) FROM cpu'), /^SELECT argMax\(toUnixTimestamp64Nano\(`time`\), `f_value`\) AS __t, max\(`f_value`\) AS __v0 /);
});

test('first/last break time ties by the larger value', () => {
  const text = sql('SELECT first(value), last(value) FROM cpu');
  assert.ok(text.includes(`argMax(\`f_value\`, tuple(-${T}, \`f_value\`)) AS __v0`), text);
  assert.ok(text.includes(`argMax(\`f_value\`, tuple(${T}, \`f_value\`)) AS __v1`), text);
});

test('abs() of an integer expression is the value unchanged; of a float it is abs()', () => {
  assert.match(sql('SELECT abs(i - 10) FROM cpu'), /, \(`f_i` - 10\) AS __v0 /);
  assert.match(sql('SELECT abs(value) FROM cpu'), /, abs\(`f_value`\) AS __v0 /);
});

test('GROUP BY time(0s) plans as no interval', () => {
  assert.equal(sql('SELECT mean(value) FROM cpu GROUP BY time(0s)'), sql('SELECT mean(value) FROM cpu'));
});

test('ordering comparisons on a tag match nothing', () => {
  assert.ok(sql("SELECT value FROM cpu WHERE host > 'a'").includes(source('0', '(`f_value` IS NOT NULL)')));
  assert.ok(sql("SELECT value FROM cpu WHERE host <= 'a'").includes(source('0', '(`f_value` IS NOT NULL)')));
});

test('time compared with a non-time string is a type error; a bad date is an invalid timestamp', () => {
  assert.throws(() => extractTimeRange(parseSelect("SELECT value FROM cpu WHERE time > 'yesterday'").condition, 0n), {
    message: 'invalid operation: time and *influxql.StringLiteral are not compatible',
  });
  assert.throws(() => extractTimeRange(parseSelect("SELECT value FROM cpu WHERE time > '2020-13-01T00:00:00Z'").condition, 0n), {
    message: 'invalid timestamp string',
  });
});

test('a time string without an offset is local time in the tz() zone', () => {
  const statement = parseSelect("SELECT value FROM cpu WHERE time >= '2023-02-28 19:00:00' AND time < '2023-03-01T05:00:00Z' tz('America/New_York')");
  const range = extractTimeRange(statement.condition, 0n, statement.timezone);
  assert.equal(range.minNs, 1677628800000000000n);
  assert.equal(range.maxNs, 1677646800000000000n - 1n);
});
