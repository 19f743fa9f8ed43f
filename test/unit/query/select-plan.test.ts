// Golden SQL: InfluxQL → ClickHouse text. Filters, buckets, aggregates, GROUP BY tags and
// per-series limits must be pushed into SQL; FINAL merges duplicate points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import { extractTimeRange } from '../../../src/core/query/sql/condition-sql.js';
import { planMeasurement, withEngineRowLimit, type MeasurementPlan } from '../../../src/core/query/sql/select-plan.js';
import { edgeRowsSql, tableSourceSql } from '../../../src/core/query/sql/table-source.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';

const cpu: MeasurementView = { name: 'cpu', tagKeys: ['host', 'region'], fieldTypes: new Map([['value', 'float'], ['i', 'integer']]) };

function plan(text: string): MeasurementPlan {
  const statement = parseSelect(text);
  return planMeasurement({ statement, db: 'db', rp: 'autogen', measurement: cpu, universe: cpu, range: extractTimeRange(statement.condition, 0n), nowNs: 0n });
}

function sql(text: string): string {
  return plan(text).sql;
}

const T = 'toUnixTimestamp64Nano(`time`)';
const at = (ns: bigint): string => `fromUnixTimestamp64Nano(toInt64(${ns}), 'UTC')`;
/** The cpu table with the `value` field, filtered by `where`, merged by FINAL only when its parts may hold duplicates. */
const source = (...where: string[]): string => tableSourceSql({ db: 'db', rp: 'autogen', measurement: 'cpu', fields: ['value'], where, final: true });
const sourceOf = (fields: string[], ...where: string[]): string => tableSourceSql({ db: 'db', rp: 'autogen', measurement: 'cpu', fields, where, final: true });

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
    `SELECT (${T} - (((${T} - toInt64(0)) % toInt64(600000000000)) + toInt64(600000000000)) % toInt64(600000000000)) AS __t, \`t_region\` AS __g0, avg(\`f_value\`) AS __v0, count(\`f_i\`) AS __v1 FROM ${sourceOf(['value', 'i'], `\`time\` >= ${at(0n)}`, `\`time\` <= ${at(3599999999999n)}`)} GROUP BY __t, __g0 HAVING count() > 0 ORDER BY __g0, __t`,
  );
});

test('regex conditions use match() with quoted patterns; unknown fields never match', () => {
  assert.equal(
    sql("SELECT value FROM cpu WHERE host =~ /^a'b\\d/ AND nosuch > 1"),
    `SELECT ${T} AS __t, \`f_value\` AS __v0 FROM ${source("(match(`t_host`, '(?-s)^a\\'b\\\\d') AND 0)", '(`f_value` IS NOT NULL)')} ORDER BY __t`,
  );
});

test('selector without GROUP BY time returns the point time (max: the earliest of equal values)', () => {
  assert.ok(sql('SELECT max(value) FROM cpu').startsWith(`SELECT argMaxIf(tuple(${T}), tuple(\`f_value\`, -${T}), \`f_value\` IS NOT NULL).1 AS __t, max(\`f_value\`) AS __v0 `));
});

test('first/last without GROUP BY time read each series\' two leading points; with it, ties take the larger value', () => {
  const text = sql('SELECT first(value), last(value) FROM cpu');
  assert.ok(text.includes(`groupArraySortedIf(2)(tuple(${T}, \`f_value\`), \`f_value\` IS NOT NULL) AS __c0`), text);
  assert.ok(text.includes(`groupArraySortedIf(2)(tuple(-${T}, \`f_value\`), \`f_value\` IS NOT NULL) AS __c1`), text);
  assert.ok(text.includes('arraySort(e -> e.1, groupArrayIf(tuple(__s, __c0), notEmpty(__c0))) AS __v0'), text);
  assert.deepEqual(plan('SELECT first(value), last(value) FROM cpu').columns.map((c) => c.pick?.kind), ['first', 'last']);
  const bucketed = sql('SELECT first(value), last(value) FROM cpu WHERE time >= 0 AND time < 1h GROUP BY time(10m)');
  assert.ok(bucketed.includes(`argMax(\`f_value\`, tuple(-${T}, \`f_value\`)) AS __v0`), bucketed);
  assert.ok(bucketed.includes(`argMax(\`f_value\`, tuple(${T}, \`f_value\`)) AS __v1`), bucketed);
});

test('a lone first()/last() reads each series\' two leading points in the table\'s sort order', () => {
  const first = sql('SELECT first(value) FROM cpu GROUP BY host');
  const carrying = `(SELECT * FROM ${source('(`f_value` IS NOT NULL)')} WHERE \`f_value\` IS NOT NULL)`;
  const rows = `(SELECT * FROM ${carrying} ORDER BY \`_series\`, \`time\` LIMIT 2 BY \`_series\`)`;
  assert.equal(
    first,
    `SELECT toInt64(0) AS __t, __g0, arraySort(e -> e.1, groupArray(tuple(__s, __c0))) AS __v0 FROM (SELECT \`t_host\` AS __g0, \`_series\` AS __s, arraySort(e -> e.1, groupArray(tuple(${T}, \`f_value\`))) AS __c0 FROM ${rows} GROUP BY __g0, __s) GROUP BY __g0 HAVING count() > 0 ORDER BY __g0, __t`,
  );
  // last() reads backwards, which ClickHouse does slowly: a bound on time cuts the read first.
  const last = sql('SELECT last(value) FROM cpu');
  assert.ok(last.includes(`FROM ${edgeRowsSql(`(SELECT * FROM ${source('(`f_value` IS NOT NULL)')} WHERE \`f_value\` IS NOT NULL)`, 2, false)} GROUP BY __s`), last);
  assert.ok(last.includes(`groupArray(tuple(-${T}, \`f_value\`))`), last);
  // With a field next to it (its point's value), or a second edge column, each column keeps its own non-null filter.
  assert.ok(!sql('SELECT first(value), i FROM cpu').includes('LIMIT 2 BY'));
  assert.ok(!sql('SELECT first(value), first(i) FROM cpu').includes('LIMIT 2 BY'));
});

test('first() next to other aggregates joins its edge read onto the group row', () => {
  assert.match(sql('SELECT first(value), mean(value) FROM cpu'), /^SELECT __m\.__t AS __t, __e\.__v0 AS __v0, __m\.__v1 AS __v1 FROM \(.*\) AS __m CROSS JOIN \(.*\) AS __e ORDER BY __t$/);
  assert.match(sql('SELECT first(value), mean(value) FROM cpu GROUP BY host'), / AS __m LEFT JOIN \(.*\) AS __e USING \(__g0\) ORDER BY __g0, __t$/);
});

test('fields and tags next to a lone selector take the selected point\'s values', () => {
  const text = sql('SELECT max(value), host, i FROM cpu');
  assert.ok(text.includes(`argMaxIf(tuple(nullIf(\`t_host\`, '')), tuple(\`f_value\`, -${T}), \`f_value\` IS NOT NULL).1 AS __v1`), text);
  assert.ok(text.includes(`argMaxIf(tuple(\`f_i\`), tuple(\`f_value\`, -${T}), \`f_value\` IS NOT NULL).1 AS __v2`), text);
  assert.ok(sql('SELECT min(value), host FROM cpu').includes(`argMinIf(tuple(nullIf(\`t_host\`, '')), tuple(\`f_value\`, ${T}), \`f_value\` IS NOT NULL).1 AS __v1`));
  // Edge-read first(): the executor fills aux columns from the picked point; aux compare by name.
  const edge = plan('SELECT first(value), region, host FROM cpu');
  assert.deepEqual(edge.columns.map((c) => c.auxOf), [undefined, { column: 0, index: 0 }, { column: 0, index: 1 }]);
  assert.deepEqual(edge.columns[0]?.pick?.auxCompareOrder, [1, 0]);
  assert.throws(() => sql('SELECT mean(value), host FROM cpu'), { message: 'mixing aggregate and non-aggregate queries is not supported' });
});

test('a lone percentile() also ships every point when the picked value is tied', () => {
  const p = plan('SELECT percentile(value, 90), host FROM cpu');
  assert.deepEqual(p.columns[0]?.pick, { kind: 'percentile', auxCompareOrder: [0], percent: 90 });
  assert.ok(p.sql.includes(`groupArrayIf(tuple(\`_series\`, ${T}, \`f_value\`, nullIf(\`t_host\`, '')), \`f_value\` IS NOT NULL)`), p.sql);
  assert.ok(p.sql.startsWith('SELECT toInt64(0) AS __t, '), p.sql);
});

test('top(x, tag, n) keeps each tag value\'s max point, then the top n, and outputs the tag', () => {
  const p = plan('SELECT top(value, host, 2) FROM cpu');
  assert.deepEqual(p.columns.map((c) => c.name), ['top', 'host']);
  assert.deepEqual(p.pointLayout, [0, 2]);
  // Ranked once; each host's first point in rank order is its best (no lambda captures the array).
  const ranked = "arraySort(p -> (-p.1, p.2), groupArrayIf(tuple(assumeNotNull(`f_value`), " + T + ", nullIf(`t_host`, ''), tuple(`t_host`)), `f_value` IS NOT NULL)) AS __top_ranked";
  const kept = `arraySlice(arrayFilter((p, nth) -> nth = 1, ${ranked}, arrayEnumerateUniq(arrayMap(p -> p.4, __top_ranked))), 1, 2)`;
  assert.ok(p.sql.includes(`arraySort((p, rank) -> (p.2, rank), ${kept} AS __top_kept, arrayEnumerate(__top_kept))`), p.sql);
  assert.ok(plan('SELECT bottom(value, host, 2) FROM cpu').sql.includes('arraySort(p -> (p.1, p.2), '));
});

test('integral() under GROUP BY time splits the trapezoid at bucket edges and is never filled', () => {
  const p = plan('SELECT integral(value) FROM cpu WHERE time >= 0 AND time < 1h GROUP BY time(10m), host');
  assert.ok(p.sql.includes(`lagInFrame(toNullable(${T})) OVER (PARTITION BY \`t_host\`, \`f_value\` IS NULL ORDER BY \`time\` ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS __igpt0`), p.sql);
  assert.ok(p.sql.includes('if(countIf(`f_value` IS NOT NULL) = 0 OR max(__igcut0) = 1, NULL, sum(__ig0)) AS __v0'), p.sql);
  assert.equal(p.columns[0]?.unfilled, true);
  assert.ok(!sql('SELECT integral(value) FROM cpu').includes('lagInFrame'));
});

test('a raw OFFSET without LIMIT keeps one row per series (the engine passes OFFSET + LIMIT + 1)', () => {
  assert.equal(withEngineRowLimit(parseSelect('SELECT value FROM cpu OFFSET 3')).limit, 1);
  assert.equal(withEngineRowLimit(parseSelect('SELECT value FROM cpu LIMIT 2 OFFSET 3')).limit, 2);
  assert.equal(withEngineRowLimit(parseSelect('SELECT mean(value) FROM cpu OFFSET 3')).limit, 0);
  assert.equal(withEngineRowLimit(parseSelect('SELECT derivative(value) FROM cpu OFFSET 3')).limit, 0);
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

test('the table source reads only the fields a statement names, each from its stored (version, value) column', () => {
  assert.equal(
    sourceOf(['value'], '1'),
    "(SELECT `time`, `_series`, COLUMNS('^t_'), tupleElement(`v_value`, 2) AS `f_value` FROM `hb_db__autogen`.`m_cpu` FINAL WHERE 1)",
  );
  // A field only the condition names is read too; a regex compared with a tag names no field.
  assert.ok(sql('SELECT value FROM cpu WHERE i > 0 AND host =~ /x/').includes("tupleElement(`v_value`, 2) AS `f_value`, tupleElement(`v_i`, 2) AS `f_i` FROM"));
  assert.ok(!sql('SELECT value FROM cpu').includes('v_i'));
  assert.ok(sql('SELECT count(distinct(i)) FROM cpu').includes('tupleElement(`v_i`, 2) AS `f_i`'));
  assert.ok(sql('SELECT * FROM cpu').includes('AS `f_i`'));
});

test('top() over a table ranks by the stored type; over a subquery (every column called float) it sorts whole', () => {
  assert.ok(sql('SELECT top(i, 2) FROM cpu').includes('groupArraySortedIf(2)(tuple(bitNot(assumeNotNull(`f_i`))'));
  const statement = parseSelect('SELECT top(value, 2) FROM cpu');
  const sub = planMeasurement({ statement, db: 'db', rp: 'autogen', measurement: cpu, universe: cpu, range: extractTimeRange(undefined, 0n), nowNs: 0n, fromSql: 'SELECT 1' });
  assert.ok(!sub.sql.includes('groupArraySorted'), sub.sql);
});
