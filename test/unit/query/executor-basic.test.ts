import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { executeQuery } from '../../../src/core/query/index.js';
import { formatResultsJson } from '../../../src/http/encode/json.js';
import { ChdbQueryPort } from './support/chdb-query-port.js';

let port: ChdbQueryPort;

async function q(text: string, db = 'db0', epoch?: 'ns' | 's'): Promise<string> {
  return formatResultsJson(await executeQuery(text, { db }, port), epoch !== undefined ? { epoch } : {});
}

before(async () => {
  port = new ChdbQueryPort();
  port.createDatabase('db0');
  await port.defineMeasurement('db0', 'autogen', 'cpu', ['host', 'region'], { value: 'float', i: 'integer', s: 'string', b: 'boolean' });
  await port.defineMeasurement('db0', 'autogen', 'mem', ['host'], { free: 'integer' });
  await port.insert('db0', 'autogen', 'cpu', [
    { timeNs: 1_000_000_000n, tags: { host: 'a', region: 'us' }, fields: { value: 1, i: 2n, s: 'x', b: true } },
    { timeNs: 2_000_000_000n, tags: { host: 'b' }, fields: { value: 2.5, i: 3n } },
    { timeNs: 3_000_000_000n, fields: { value: 3 } },
  ]);
  await port.insert('db0', 'autogen', 'mem', [{ timeNs: 1_000_000_000n, tags: { host: 'a' }, fields: { free: 10n } }]);
});

after(() => port.close());

test('SELECT * returns every field and tag sorted, like InfluxDB', async () => {
  assert.equal(
    await q('SELECT * FROM cpu'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","b","host","i","region","s","value"],"values":[["1970-01-01T00:00:01Z",true,"a",2,"us","x",1],["1970-01-01T00:00:02Z",null,"b",3,null,null,2.5],["1970-01-01T00:00:03Z",null,null,null,null,null,3]]}]}]}',
  );
});

test('count(field) without GROUP BY time reports epoch 0', async () => {
  assert.equal(await q('SELECT count(value) FROM cpu'), '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","count"],"values":[["1970-01-01T00:00:00Z",3]]}]}]}');
});

test('epoch=s and GROUP BY time with fill(null)', async () => {
  assert.equal(await q('SELECT value FROM cpu', 'db0', 's'), '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","value"],"values":[[1,1],[2,2.5],[3,3]]}]}]}');
  assert.equal(
    await q('SELECT mean(value) FROM cpu WHERE time >= 0 and time < 4s GROUP BY time(1s)'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","mean"],"values":[["1970-01-01T00:00:00Z",null],["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:02Z",2.5],["1970-01-01T00:00:03Z",3]]}]}]}',
  );
});

test('tag filter with regex and LIMIT', async () => {
  assert.equal(
    await q("SELECT value FROM cpu WHERE time > 0 AND host =~ /a/ LIMIT 1"),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","value"],"values":[["1970-01-01T00:00:01Z",1]]}]}]}',
  );
  assert.equal(
    await q("SELECT value FROM cpu WHERE host = 'a'"),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","value"],"values":[["1970-01-01T00:00:01Z",1]]}]}]}',
  );
});

test('GROUP BY tag splits series in tag order, missing tag as ""', async () => {
  assert.equal(
    await q('SELECT value FROM cpu GROUP BY host'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":""},"columns":["time","value"],"values":[["1970-01-01T00:00:03Z",3]]},{"name":"cpu","tags":{"host":"a"},"columns":["time","value"],"values":[["1970-01-01T00:00:01Z",1]]},{"name":"cpu","tags":{"host":"b"},"columns":["time","value"],"values":[["1970-01-01T00:00:02Z",2.5]]}]}]}',
  );
});

test('missing measurement gives an empty result; failing statements follow 1.6', async () => {
  assert.equal(await q('SELECT * FROM nosuch'), '{"results":[{"statement_id":0}]}');
  assert.equal(await q('SELECT nope(value) FROM cpu'), '{"results":[{"statement_id":0,"error":"undefined function nope()"}]}');
  assert.equal(
    await q('SHOW DATABASES; SELECT nope(value) FROM cpu; SHOW DATABASES'),
    '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["db0"]]}]},{"statement_id":1,"error":"not executed"}]}',
  );
  assert.equal(await q('SELECT * FROM cpu', 'nodb'), '{"results":[{"statement_id":0,"error":"database not found: nodb"}]}');
});

test('SHOW MEASUREMENTS and SHOW RETENTION POLICIES', async () => {
  assert.equal(await q('SHOW MEASUREMENTS'), '{"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["cpu"],["mem"]]}]}]}');
  assert.equal(
    await q('SHOW RETENTION POLICIES'),
    '{"results":[{"statement_id":0,"series":[{"columns":["name","duration","shardGroupDuration","replicaN","default"],"values":[["autogen","0s","168h0m0s",1,true]]}]}]}',
  );
});

test('CREATE and DROP DATABASE go through applyMetaCommand', async () => {
  assert.equal(await q('CREATE DATABASE "new db"; DROP DATABASE nothere'), '{"results":[{"statement_id":0},{"statement_id":1}]}');
  assert.deepEqual(port.commands.at(-1), { kind: 'create-database', name: 'new db' });
  await q('DROP DATABASE "new db"');
  assert.deepEqual(port.commands.at(-1), { kind: 'drop-database', name: 'new db' });
});

test('derivative of an aggregate without a unit is per GROUP BY interval', async () => {
  // Buckets of 2s: max(value) is 1 then 3; the change is 2 per 2s bucket (1 per second).
  assert.equal(
    await q('SELECT derivative(max(value)) FROM cpu WHERE time >= 0s AND time < 4s GROUP BY time(2s)'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","derivative"],"values":[["1970-01-01T00:00:02Z",2]]}]}]}',
  );
  assert.equal(
    await q('SELECT derivative(max(value), 1s) FROM cpu WHERE time >= 0s AND time < 4s GROUP BY time(2s)'),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","derivative"],"values":[["1970-01-01T00:00:02Z",1]]}]}]}',
  );
});

test('raw rows of equal time follow the merge heap order of their series', async () => {
  // Three series with a point at 1s each: the heap pops a, then c (moved to the root), then b.
  await port.defineMeasurement('db0', 'autogen', 'tie', ['host'], { v: 'float' });
  await port.insert('db0', 'autogen', 'tie', [
    { timeNs: 1_000_000_000n, tags: { host: 'a' }, fields: { v: 1 } },
    { timeNs: 1_000_000_000n, tags: { host: 'b' }, fields: { v: 2 } },
    { timeNs: 1_000_000_000n, tags: { host: 'c' }, fields: { v: 3 } },
  ]);
  const body = await q('SELECT v FROM tie');
  assert.match(body, /"values":\[\["1970-01-01T00:00:01Z",1\],\["1970-01-01T00:00:01Z",3\],\["1970-01-01T00:00:01Z",2\]\]/);
});
