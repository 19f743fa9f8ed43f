// Differential test: the same dataset in chDB (through our executor) and in InfluxDB 1.6.7;
// every query must produce byte-identical JSON. Skipped when `influxd` is not available.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeQuery } from '../../../src/core/query/index.js';
import { formatResultsJson } from '../../../src/http/encode/json.js';
import { ChunkedAnswerSink, formatResultsChunked } from '../../../src/http/encode/chunked.js';
import { formatResultsCsv } from '../../../src/http/encode/csv.js';
import { influxdAvailable, startInfluxd, type InfluxdHandle } from '../../support/influxd.js';
import { ChdbQueryPort } from './support/chdb-query-port.js';
import { DATASET, loadDataset, toLineProtocol } from './support/dataset.js';

const QUERIES: readonly string[] = [
  "SELECT * FROM cpu",
  "SELECT value FROM cpu",
  "SELECT value, i FROM cpu WHERE host = 'a'",
  "SELECT value FROM cpu WHERE host != 'a' AND value > 3",
  "SELECT value FROM cpu WHERE host =~ /^[ab]$/ OR value < 2",
  "SELECT value FROM cpu WHERE region = ''",
  "SELECT s FROM cpu",
  "SELECT b, s FROM cpu",
  "SELECT value FROM cpu WHERE time > 100s AND time <= 200s",
  "SELECT value FROM cpu WHERE time >= '1970-01-01T00:01:40Z'",
  "SELECT value FROM cpu ORDER BY time DESC LIMIT 3",
  "SELECT value FROM cpu LIMIT 3 OFFSET 2",
  "SELECT value FROM cpu GROUP BY host LIMIT 2",
  "SELECT value FROM cpu GROUP BY host LIMIT 2 OFFSET 1",
  "SELECT value FROM cpu GROUP BY host SLIMIT 1 SOFFSET 1",
  "SELECT count(value) FROM cpu",
  "SELECT count(value), sum(value), mean(value), min(value), max(value) FROM cpu",
  "SELECT sum(i), mean(i), spread(i), stddev(value), median(value) FROM cpu",
  "SELECT first(value) FROM cpu",
  "SELECT last(value) FROM cpu",
  "SELECT min(value) FROM cpu",
  "SELECT max(value) FROM cpu",
  "SELECT max(i) FROM cpu WHERE time > 50s",
  "SELECT count(*) FROM cpu",
  "SELECT mean(*) FROM cpu",
  "SELECT count(value) FROM cpu GROUP BY host",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m)",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m), host",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(30s) fill(none)",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(30s) fill(0)",
  "SELECT mean(value) FROM cpu WHERE host = 'c' AND time >= 0 AND time < 300s GROUP BY time(20s) fill(previous)",
  "SELECT mean(value) FROM cpu WHERE host = 'c' AND time >= 0 AND time < 300s GROUP BY time(20s) fill(linear)",
  "SELECT max(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m) ORDER BY time DESC",
  "SELECT count(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m, 15s)",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m) LIMIT 2",
  "SELECT value * 2, value + i, i / 2 FROM cpu WHERE host = 'a'",
  "SELECT mean(value) * 10 FROM cpu",
  "SELECT mean(value) AS m, mean(i) FROM cpu",
  "SELECT value AS v FROM cpu WHERE host = 'b' LIMIT 2",
  "SELECT free FROM mem; SELECT value FROM cpu LIMIT 1",
  "SELECT * FROM cpu, mem LIMIT 1",
  "SELECT * FROM /m.*/",
  "SELECT free FROM diff.autogen.mem",
  "SELECT free FROM autogen.mem",
  "SELECT count(distinct(s)) FROM cpu",
  "SELECT distinct(s) FROM cpu",
  "SELECT distinct(host) FROM cpu",
  "SELECT mode(i) FROM cpu",
  "SELECT percentile(value, 50) FROM cpu",
  "SELECT percentile(value, 90), count(value) FROM cpu",
  "SELECT derivative(value) FROM cpu WHERE host = 'a'",
  "SELECT derivative(value, 1m) FROM cpu WHERE host = 'a'",
  "SELECT non_negative_derivative(value) FROM cpu WHERE host = 'a'",
  "SELECT difference(value) FROM cpu WHERE host = 'a'",
  "SELECT non_negative_difference(i) FROM cpu WHERE host = 'a'",
  "SELECT cumulative_sum(i) FROM cpu WHERE host = 'a'",
  "SELECT moving_average(value, 3) FROM cpu WHERE host = 'a'",
  "SELECT elapsed(value, 1s) FROM cpu WHERE host = 'a'",
  "SELECT derivative(mean(value), 1m) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m)",
  "SELECT difference(max(value)) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m)",
  "SELECT abs(i), floor(value), ceil(value), round(value) FROM cpu WHERE host = 'b'",
  "SELECT top(value, 3) FROM cpu",
  "SELECT bottom(value, 2) FROM cpu",
  "SELECT integral(value) FROM cpu",
  "SELECT host, value FROM cpu LIMIT 3",
  "SELECT value FROM cpu WHERE value > 5 AND (host = 'a' OR host = 'c')",
  "SELECT value FROM cpu WHERE i = 2",
  "SELECT value FROM cpu WHERE s = 's0'",
  "SELECT value FROM cpu WHERE b = true",
  "SELECT value FROM cpu WHERE nosuch = 'x'",
  "SELECT value FROM cpu WHERE nosuch = ''",
  "SELECT nosuch FROM cpu",
  "SELECT value FROM cpu WHERE host = 5",
  "SELECT value FROM cpu tz('Europe/Paris') LIMIT 2",
  "SELECT value FROM cpu WHERE time > '2020-13-01T00:00:00Z'",
  "SELECT mean(value), value FROM cpu",
  "SELECT value FROM cpu GROUP BY time(1m)",
  "SELECT * FROM (SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m))",
  "SELECT max(mean) FROM (SELECT mean(value) FROM cpu GROUP BY host)",
  "SHOW MEASUREMENTS",
  "SHOW MEASUREMENTS WITH MEASUREMENT =~ /c.*/",
  "SHOW MEASUREMENTS WITH MEASUREMENT = mem",
  "SHOW MEASUREMENTS WHERE host = 'c'",
  "SHOW MEASUREMENTS LIMIT 1 OFFSET 1",
  "SHOW TAG KEYS",
  "SHOW TAG KEYS FROM cpu",
  "SHOW TAG KEYS LIMIT 1",
  "SHOW TAG VALUES WITH KEY = host",
  "SHOW TAG VALUES FROM cpu WITH KEY =~ /.*/",
  "SHOW TAG VALUES WITH KEY IN (host, region) WHERE host = 'a'",
  "SHOW TAG VALUES WITH KEY != host",
  "SHOW FIELD KEYS",
  "SHOW FIELD KEYS FROM mem",
  "SHOW SERIES",
  "SHOW SERIES FROM cpu WHERE host = 'a'",
  "SHOW SERIES LIMIT 2 OFFSET 1",
  "SHOW MEASUREMENT EXACT CARDINALITY",
  "SHOW SERIES EXACT CARDINALITY",
  "SHOW TAG KEY CARDINALITY",
  "SHOW TAG VALUES EXACT CARDINALITY WITH KEY = host",
  "SHOW FIELD KEY CARDINALITY",
  "SHOW RETENTION POLICIES",
  "SELECT * FROM cpu WHERE time > 1m AND time < 2m; SHOW DATABASES",
  "SELECT v FROM tzm tz('America/Chicago')",
  "SELECT count(v) FROM tzm WHERE time >= '2020-01-01T00:00:00Z' AND time < '2020-01-03T00:00:00Z' GROUP BY time(1d) tz('America/Chicago')",
  "SELECT count(v) FROM tzm WHERE time >= '2020-01-01T00:00:00Z' AND time < '2020-01-03T00:00:00Z' GROUP BY time(12h) tz('Asia/Kolkata')",
  "SELECT mean(v) FROM tzm WHERE time >= '2020-01-01' AND time < '2020-01-02 12:00:00' GROUP BY time(6h) fill(linear)",
  "SELECT integral(v, 1h), spread(v), stddev(v) FROM tzm",
  "SELECT * FROM tzm WHERE time = '2020-01-01T12:00:00Z'",
  "SELECT mean(\"value\") FROM \"cpu\" WHERE (\"host\" =~ /^a$/) AND time >= 0ms and time <= 200000ms GROUP BY time(1m), \"host\" fill(null)",
  "SELECT last(value) FROM cpu WHERE time >= 0 AND time < 180s GROUP BY time(1m), * fill(none)",
  "SELECT count(i) FROM /cpu|mem/ WHERE time >= 0 AND time < 120s GROUP BY time(1m)",
  "SELECT first(value), last(value) FROM cpu GROUP BY region",
  "SELECT value FROM cpu WHERE value >= 10 OR i < -1",
  "SELECT value FROM cpu WHERE time >= 100s ORDER BY time DESC LIMIT 2 OFFSET 1",
  "SELECT spread(value) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(40s), host",
  "SELECT value / 0 FROM cpu LIMIT 2",
  "SELECT i % 3, -i FROM cpu LIMIT 3",
  "SELECT cumulative_sum(mean(value)) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m)",
  "SELECT moving_average(max(value), 2) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m)",
  "SELECT non_negative_derivative(max(i), 1m) FROM cpu WHERE time >= 0 AND time < 240s GROUP BY time(1m), host",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 60s GROUP BY time(20s), host fill(previous)",
  "SELECT max(value), min(value) FROM cpu",
  "SELECT first(s) FROM cpu",
  "SELECT last(b) FROM cpu",
  "SELECT count(b) FROM cpu",
  "SELECT median(i) FROM cpu",
  "SELECT mode(s) FROM cpu",
  "SELECT percentile(i, 0) FROM cpu",
  "SELECT percentile(value, 100) FROM cpu",
  "SELECT distinct(i) FROM cpu GROUP BY host",
  "SELECT value FROM cpu WHERE host != 'a' AND host !~ /b/",
  "SELECT value FROM cpu WHERE time > 230s",
  "SELECT * FROM cpu WHERE time > 1000s",
  "SELECT mean(value) FROM cpu WHERE time > 1000s AND time < 1100s GROUP BY time(50s)",
  "SELECT value::integer FROM cpu LIMIT 2",
  "SELECT \"value\"::field, \"host\"::tag FROM cpu LIMIT 2",
  "SELECT *::field FROM cpu LIMIT 1",
  "SELECT stddev(i) FROM cpu GROUP BY host",
  "SELECT sum(value) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m) fill(-1)",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 60s GROUP BY time(20s), host SLIMIT 1",
  "SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m) LIMIT 1 OFFSET 1",
  "SELECT count(value) FROM cpu WHERE time >= 0 AND time < 60s GROUP BY time(20s) ORDER BY time DESC LIMIT 2",
  "SELECT elapsed(value) FROM cpu WHERE host = 'c' LIMIT 2",
  "SELECT derivative(value) FROM cpu WHERE host = 'a' ORDER BY time DESC",
  "SELECT difference(i) FROM cpu GROUP BY host LIMIT 2",
  "SELECT abs(value) * 2 FROM cpu LIMIT 2",
  "SELECT value, value FROM cpu LIMIT 1",
  "SELECT mean(value), mean(value) FROM cpu",
  "SELECT top(value, 2) FROM cpu GROUP BY host",
  "SELECT bottom(i, 3) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m)",
  "SELECT count(distinct(host)) FROM cpu",
  "SELECT mean(s) FROM cpu",
  "SELECT sum(b) FROM cpu",
  "SELECT value FROM cpu WHERE s =~ /s[01]/",
  "SELECT value + 1 FROM cpu WHERE value + 1 > 10",
  "SELECT min(i), max(i) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m) fill(none)",
  "SELECT mean(free) FROM mem WHERE time >= 0 AND time < 180s GROUP BY time(1m) fill(linear)",
  "SELECT count(free) FROM mem WHERE time >= 0 AND time < 180s GROUP BY time(1m), host fill(0)",
  "SELECT percentile(value, 50) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m)",
  "SELECT first(value) FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m)",
  "SELECT max(value) FROM cpu GROUP BY host",
  "SELECT value FROM cpu WHERE time >= '1970-01-01 00:01:00' AND time < '1970-01-01 00:01:30'",
  "SELECT top(value, 2), host FROM cpu",
  "SELECT bottom(value, 3), host, region, i FROM cpu",
  "SELECT top(value, 2), host FROM cpu GROUP BY region",
  "SELECT top(i, 3), s FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m)",
  "SELECT free FROM mem WHERE host = 'a' OR time > 100s",
  "SELECT value FROM cpu WHERE (time < 30s OR time > 200s) AND host = 'a'",
  "SELECT count(value) FROM cpu WHERE time >= 10s AND time <= 20s"
];

const availability = influxdAvailable();
let influxd: InfluxdHandle | undefined;
let port: ChdbQueryPort | undefined;
const DB = 'diff';

before(async () => {
  if (!availability.available) return;
  influxd = await startInfluxd();
  await fetch(`${influxd.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${DB}`)}`, { method: 'POST' });
  const write = await fetch(`${influxd.url}/write?db=${DB}`, { method: 'POST', body: toLineProtocol(DATASET) });
  assert.equal(write.status, 204);
  port = new ChdbQueryPort();
  await loadDataset(port, DB);
});

after(async () => {
  port?.close();
  await influxd?.stop();
});

test('query results match InfluxDB 1.6.7 byte for byte', { skip: availability.available ? false : availability.reason }, async () => {
  const mismatches: string[] = [];
  for (const q of QUERIES) {
    if (influxd === undefined || port === undefined) throw new Error('not started');
    const res = await fetch(`${influxd.url}/query?db=${DB}&q=${encodeURIComponent(q)}`);
    const oracle = (await res.text()).trim();
    let mine: string;
    try {
      mine = formatResultsJson(await executeQuery(q, { db: DB }, port));
    } catch (err) {
      mine = JSON.stringify({ error: (err as Error).message });
    }
    if (oracle !== mine) mismatches.push(`${q}\n  influxd: ${oracle}\n  ours:    ${mine}`);
  }
  assert.deepEqual(mismatches, []);
});

const CHUNKED: readonly string[] = [
  'SELECT value FROM cpu WHERE time < 70s GROUP BY host; SELECT free FROM mem; SELECT nosuch FROM cpu',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m)',
  'SELECT * FROM nosuch; SELECT nope(value) FROM cpu; SHOW DATABASES; SHOW MEASUREMENTS',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m), host fill(0)',
  'SELECT value, s FROM cpu GROUP BY *',
  'SELECT count(value) FROM cpu GROUP BY region, host; SELECT * FROM /m.*/',
  'SELECT value FROM cpu GROUP BY host SLIMIT 2 SOFFSET 1',
  'SELECT * FROM cpu, mem GROUP BY host SLIMIT 1 SOFFSET 1',
];

test('chunked responses match InfluxDB 1.6.7 byte for byte, whole and streamed series by series', { skip: availability.available ? false : availability.reason }, async () => {
  for (const q of CHUNKED) {
    if (influxd === undefined || port === undefined) throw new Error('not started');
    const res = await fetch(`${influxd.url}/query?db=${DB}&chunked=true&chunk_size=2&q=${encodeURIComponent(q)}`);
    const oracle = await res.text();
    const mine = formatResultsChunked(await executeQuery(q, { db: DB, chunked: true }, port), { chunkSize: 2 }).join('');
    assert.equal(mine, oracle, q);
    const lines: string[] = [];
    const sink = new ChunkedAnswerSink({ chunkSize: 2 }, async (line) => void lines.push([...line.text()].join('')));
    port.pieceRows = 3;
    await executeQuery(q, { db: DB, chunked: true, sink }, port);
    port.pieceRows = 0;
    assert.equal(lines.join(''), oracle, `${q} (streamed)`);
  }
});

const CSV: readonly string[] = [
  'SELECT value, s FROM cpu WHERE time < 50s',
  'SELECT value FROM cpu WHERE time < 70s GROUP BY host,region; SELECT free FROM mem; SELECT value FROM cpu LIMIT 1',
  'SELECT mean(value) FROM cpu WHERE time >= 0 AND time < 300s GROUP BY time(1m); SHOW MEASUREMENTS; SHOW TAG KEYS',
  'SELECT nope(value) FROM cpu',
];

test('CSV responses match InfluxDB 1.6.7 byte for byte', { skip: availability.available ? false : availability.reason }, async () => {
  for (const q of CSV) {
    if (influxd === undefined || port === undefined) throw new Error('not started');
    const res = await fetch(`${influxd.url}/query?db=${DB}&q=${encodeURIComponent(q)}`, { headers: { accept: 'application/csv' } });
    const oracle = await res.text();
    const mine = formatResultsCsv(await executeQuery(q, { db: DB }, port));
    assert.equal(mine, oracle, q);
  }
});
