import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeQuery } from '../../../src/core/query/index.js';
import { formatResultsJson } from '../../../src/http/encode/json.js';
import { ChdbQueryPort } from './support/chdb-query-port.js';
import { loadDataset } from './support/dataset.js';

let port: ChdbQueryPort;

async function q(text: string, db = 'db0'): Promise<string> {
  return formatResultsJson(await executeQuery(text, { db }, port));
}

before(async () => {
  port = new ChdbQueryPort();
  await loadDataset(port, 'db0');
});

after(() => port.close());

test('CREATE DATABASE WITH builds a retention policy spec', async () => {
  assert.equal(await q('CREATE DATABASE x WITH DURATION 2d REPLICATION 2 NAME short'), '{"results":[{"statement_id":0}]}');
  assert.deepEqual(port.commands.at(-1), {
    kind: 'create-database',
    name: 'x',
    rpGiven: { duration: true, replicaN: true },
    rp: { name: 'short', durationNs: 172_800_000_000_000n, shardGroupDurationNs: 0n, replicaN: 2, makeDefault: true },
  });
  assert.equal(await q('CREATE DATABASE y WITH DURATION 30m'), '{"results":[{"statement_id":0,"error":"retention policy duration must be at least 1h0m0s"}]}');
});

test('retention policy statements become meta commands', async () => {
  await q('CREATE RETENTION POLICY rp1 ON db0 DURATION 1h REPLICATION 1 DEFAULT');
  assert.deepEqual(port.commands.at(-1), {
    kind: 'create-retention-policy',
    db: 'db0',
    rp: { name: 'rp1', durationNs: 3_600_000_000_000n, shardGroupDurationNs: 3_600_000_000_000n, replicaN: 1, makeDefault: true },
  });
  await q('ALTER RETENTION POLICY autogen ON db0 DURATION 1w SHARD DURATION 1d');
  assert.deepEqual(port.commands.at(-1), {
    kind: 'alter-retention-policy',
    db: 'db0',
    name: 'autogen',
    durationNs: 604_800_000_000_000n,
    shardGroupDurationNs: 86_400_000_000_000n,
  });
  assert.equal(await q('ALTER RETENTION POLICY nope ON db0 DEFAULT'), '{"results":[{"statement_id":0,"error":"retention policy not found: nope"}]}');
  assert.equal(await q('SHOW RETENTION POLICIES ON nodb'), '{"results":[{"statement_id":0,"error":"database not found: nodb"}]}');
  await q('DROP RETENTION POLICY autogen ON db0');
  assert.deepEqual(port.commands.at(-1), { kind: 'drop-retention-policy', db: 'db0', name: 'autogen' });
});

test('DROP MEASUREMENT, DELETE and DROP SERIES compile WHERE per measurement', async () => {
  await q('DROP MEASUREMENT mem');
  assert.deepEqual(port.commands.at(-1), { kind: 'drop-measurement', db: 'db0', name: 'mem' });
  port.commands.length = 0;
  await q("DELETE FROM cpu WHERE time < 60s AND host = 'a'");
  assert.deepEqual(port.commands, [
    {
      kind: 'delete-data',
      db: 'db0',
      measurements: ['cpu'],
      whereSql: "((toUnixTimestamp64Nano(`time`) < 60000000000) AND (`t_host` = 'a'))",
      dropSeries: false,
    },
  ]);
  port.commands.length = 0;
  await q("DROP SERIES WHERE host = 'b'");
  assert.deepEqual(
    port.commands.map((c) => (c.kind === 'delete-data' ? [c.measurements, c.whereSql, c.dropSeries] : c.kind)),
    [
      [['cpu'], "(`t_host` = 'b')", true],
      [['mem'], "(`t_host` = 'b')", true],
      [['tzm'], "('' = 'b')", true],
    ],
  );
  assert.equal(await q('DROP MEASUREMENT cpu', ''), '{"results":[{"statement_id":0,"error":"database not found: "}]}');
  assert.equal(await q('SELECT * FROM cpu', ''), '{"results":[{"statement_id":0,"error":"database name required"}]}');
});

test('the compiled DELETE predicate is valid ClickHouse over the table', async () => {
  port.commands.length = 0;
  await q("DELETE FROM cpu WHERE time >= '1970-01-01T00:01:00Z' AND region =~ /e.*/");
  const command = port.commands[0];
  assert.ok(command?.kind === 'delete-data');
  const result = await port.runSql(`SELECT count() FROM \`hb_db0__autogen\`.\`m_cpu\` FINAL WHERE ${command.whereSql}`);
  assert.deepEqual(result.rows, [['6']]);
});

test('SELECT INTO writes points through the port and reports the count', async () => {
  const out = await q('SELECT mean(value) INTO rollup FROM cpu WHERE time >= 0 AND time < 120s GROUP BY time(1m), host');
  assert.equal(out, '{"results":[{"statement_id":0,"series":[{"name":"result","columns":["time","written"],"values":[["1970-01-01T00:00:00Z",6]]}]}]}');
  const written = port.written.at(-1);
  assert.equal(written?.db, 'db0');
  assert.equal(written?.rp, 'autogen');
  assert.deepEqual(written?.points[0], { measurement: 'rollup', tags: ['host', 'a'], fieldKeys: ['mean'], fieldTypes: ['float'], fieldValues: [5.25], timeNs: 0n });
});

test('subqueries plan as nested SQL', async () => {
  assert.equal(
    await q('SELECT max(mean) FROM (SELECT mean(value) FROM cpu GROUP BY host)'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","max"],"values":[["1970-01-01T00:00:00Z",6.375]]}]}]}',
  );
});

test('unsupported statements report a per-statement error', async () => {
  assert.equal(await q('CREATE SUBSCRIPTION s ON db0.autogen DESTINATIONS ALL \'udp://h:1\''), '{"results":[{"statement_id":0,"error":"statement not supported: CREATE SUBSCRIPTION"}]}');
});

test('SHOW SHARDS and SHOW SHARD GROUPS list the shard-group spans holding data, in 1.x shapes', async () => {
  const shards = JSON.parse(await q('SHOW SHARDS')) as { results: Array<{ series: Array<{ name: string; columns: string[]; values?: unknown[][] }> }> };
  const db0 = shards.results[0]!.series.find((s) => s.name === 'db0');
  assert.deepEqual(db0?.columns, ['id', 'database', 'retention_policy', 'shard_group', 'start_time', 'end_time', 'expiry_time', 'owners']);
  // 7-day groups start on Mondays (Go's Truncate counts from year 1): 1970-01-01 falls in 1969-12-29's.
  assert.deepEqual(db0?.values?.[0], [1, 'db0', 'autogen', 1, '1969-12-29T00:00:00Z', '1970-01-05T00:00:00Z', '1970-01-05T00:00:00Z', '']);
  const groups = JSON.parse(await q('SHOW SHARD GROUPS')) as { results: Array<{ series: Array<{ name: string; values: unknown[][] }> }> };
  assert.equal(groups.results[0]!.series[0]!.name, 'shard groups');
  assert.deepEqual(groups.results[0]!.series[0]!.values[0], [1, 'db0', 'autogen', '1969-12-29T00:00:00Z', '1970-01-05T00:00:00Z', '1970-01-05T00:00:00Z']);
});

test('sample() returns N real points with their own times', async () => {
  const parsed = JSON.parse(await q('SELECT sample(value, 3) FROM cpu', 'db0')) as { results: Array<{ series: Array<{ values: Array<[string, number]> }> }> };
  const values = parsed.results[0]?.series[0]?.values ?? [];
  assert.equal(values.length, 3);
  assert.deepEqual(values.map((v) => v[0]), values.map((v) => v[0]).slice().sort());
});

test('GET requests get InfluxDB 1.6 warnings on write statements', async () => {
  const run = async (text: string): Promise<string> => formatResultsJson(await executeQuery(text, { db: 'db0', readOnly: true }, port));
  const warn = (stmt: string): string => `{"results":[{"statement_id":0,"messages":[{"level":"warning","text":"deprecated use of '${stmt}' in a read only context, please use a POST request instead"}]}]}`;
  assert.equal(await run('CREATE DATABASE "a b"'), warn('CREATE DATABASE \\"a b\\"'));
  assert.equal(await run('CREATE DATABASE x1 WITH DURATION 2d REPLICATION 1 SHARD DURATION 1h NAME r'), warn('CREATE DATABASE x1 WITH DURATION 48h0m0s REPLICATION 1 SHARD DURATION 1h0m0s NAME r'));
  assert.equal(await run('CREATE RETENTION POLICY r2 ON db0 DURATION 1h REPLICATION 1 SHARD DURATION 30m DEFAULT'), warn('CREATE RETENTION POLICY r2 ON db0 DURATION 1h REPLICATION 1 SHARD DURATION 30m DEFAULT'));
  assert.equal(await run("DROP SERIES FROM cpu WHERE host = 'a'"), warn("DROP SERIES FROM cpu WHERE host = 'a'"));
  assert.equal(await run('DELETE FROM cpu WHERE time < 1s'), '{"results":[{"statement_id":0}]}');
  assert.equal((await run('SHOW DATABASES')).includes('messages'), false);
});

test('DELETE and DROP SERIES refuse field conditions and delete nothing', async () => {
  const before = port.commands.length;
  // 1.6.7 reports it from a shard of the database.
  assert.equal(await q('DELETE FROM cpu WHERE value > 5'), '{"results":[{"statement_id":0,"error":"shard 1: fields not supported in WHERE clause during deletion"}]}');
  assert.equal(await q('DROP SERIES FROM cpu WHERE value > 5'), '{"results":[{"statement_id":0,"error":"shard 1: fields not supported in WHERE clause during deletion"}]}');
  assert.equal(await q('DROP SERIES FROM cpu WHERE time > 0'), `{"results":[{"statement_id":0,"error":"DROP SERIES doesn't support time in WHERE clause"}]}`);
  assert.equal(port.commands.length, before);
});

test('statements about continuous queries, subscriptions and users answer as with none defined', async () => {
  assert.match(await q('SHOW CONTINUOUS QUERIES', ''), /^\{"results":\[\{"statement_id":0,"series":\[\{"name":"db0","columns":\["name","query"\]\}/);
  assert.equal(await q('SHOW SUBSCRIPTIONS', ''), '{"results":[{"statement_id":0}]}');
  assert.equal(await q('SHOW GRANTS FOR nobody', ''), '{"results":[{"statement_id":0,"error":"user not found"}]}');
  assert.equal(await q('DROP USER nobody', ''), '{"results":[{"statement_id":0,"error":"user not found"}]}');
  assert.equal(await q('SHOW MEASUREMENTS', 'nosuchdb'), '{"results":[{"statement_id":0}]}');
});

test('SELECT INTO over GET warns with the statement qualified by database and retention policy', async () => {
  const results = await executeQuery('SELECT value INTO copy FROM cpu', { db: 'db0', readOnly: true }, port);
  assert.deepEqual(results[0]?.messages, [
    { level: 'warning', text: "deprecated use of 'SELECT value INTO db0.autogen.copy FROM db0.autogen.cpu' in a read only context, please use a POST request instead" },
  ]);
});
