// npm's `influx` (node-influx 5) against HyperbyteDB as its users call it: databases and policies,
// writePoints with a schema and into another policy, query with and without precision, getSeries
// and getMeasurements over every policy, dropSeries, showShards. Where influxd is installed, every
// answer must equal InfluxDB 1.6.7's for the same calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldType, InfluxDB } from 'influx';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';
import { influxdAvailable, startInfluxd } from '../support/influxd.js';

/** Every call's answer, in order, as plain JSON (node-influx's dates become ISO text). */
async function session(url: string): Promise<Array<[string, unknown]>> {
  const { hostname, port } = new URL(url);
  const influx = new InfluxDB({
    host: hostname,
    port: Number(port),
    database: 'nodeinflux',
    schema: [{ measurement: 'cpu', fields: { usage: FieldType.FLOAT, cores: FieldType.INTEGER, state: FieldType.STRING }, tags: ['host'] }],
  });
  const out: Array<[string, unknown]> = [];
  const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      out.push([name, JSON.parse(JSON.stringify((await fn()) ?? null)) as unknown]);
    } catch (error) {
      out.push([name, { error: error instanceof Error ? error.message : String(error) }]);
    }
  };
  await step('createDatabase', () => influx.createDatabase('nodeinflux'));
  await step('createRetentionPolicy', () => influx.createRetentionPolicy('recent', { duration: '1h', replication: 1, database: 'nodeinflux' }));
  await step('writePoints', () =>
    influx.writePoints(
      [
        { measurement: 'cpu', tags: { host: 'a' }, fields: { usage: 1, cores: 4, state: 'ok' }, timestamp: 1_000_000_000 },
        { measurement: 'cpu', tags: { host: 'b' }, fields: { usage: 2.5, cores: 8, state: 'hot' }, timestamp: 2_000_000_000 },
        { measurement: 'mem', tags: { host: 'a' }, fields: { used: 10 }, timestamp: 3_000_000_000 },
      ],
      { precision: 'n' },
    ),
  );
  await step('writeRecentPolicy', () => influx.writePoints([{ measurement: 'disk', tags: { dev: 'sda' }, fields: { free: 7 } }], { retentionPolicy: 'recent' }));
  await step('writeBadField', () => influx.writeMeasurement('cpu', [{ tags: { host: 'c' }, fields: { usage: 'not a number' } }]));
  await step('getDatabaseNames', async () => (await influx.getDatabaseNames()).filter((n) => n === 'nodeinflux'));
  await step('getMeasurements', () => influx.getMeasurements());
  await step('getSeries', () => influx.getSeries());
  await step('getSeriesOfOnePolicy', () => influx.getSeries({ measurement: 'disk' }));
  await step('showRetentionPolicies', () => influx.showRetentionPolicies());
  await step('query', () => influx.query('SELECT * FROM cpu'));
  await step('queryPrecision', () => influx.query('SELECT usage FROM cpu', { precision: 'ms' }));
  await step('queryGroups', async () => (await influx.query('SELECT mean(usage) FROM cpu GROUP BY host')).groups());
  await step('queryTwo', () => influx.query(['SELECT count(usage) FROM cpu', 'SELECT last(used) FROM mem']));
  await step('queryError', () => influx.query('SELECT nope(usage) FROM cpu'));
  await step('queryParseError', () => influx.query('SELEC'));
  await step('queryRaw', () => influx.queryRaw('SELECT usage FROM cpu WHERE host = \'b\''));
  await step('showShardsCount', async () => (await influx.showShards()).length);
  await step('dropSeries', () => influx.dropSeries({ measurement: (m) => m.name('mem') }));
  await step('afterDropSeries', () => influx.getSeries());
  await step('dropMeasurement', () => influx.dropMeasurement('disk'));
  await step('afterDropMeasurement', () => influx.getMeasurements());
  await step('ping', async () => (await influx.ping(5000)).map((p) => ({ online: p.online, version: p.version })));
  await step('dropDatabase', () => influx.dropDatabase('nodeinflux'));
  return out;
}

test('npm influx (node-influx) works unchanged', { timeout: 90_000 }, async () => {
  const [ours, oracle] = await Promise.all([startHyperbytedb(), influxdAvailable().available ? startInfluxd() : Promise.resolve(undefined)]);
  try {
    const got = new Map(await session(ours.url));
    assert.equal(got.get('writePoints'), null);
    assert.deepEqual(got.get('getSeries'), ['cpu,host=a', 'cpu,host=b', 'disk,dev=sda', 'mem,host=a']);
    assert.deepEqual(got.get('getSeriesOfOnePolicy'), ['disk,dev=sda']);
    assert.deepEqual(got.get('getMeasurements'), ['cpu', 'disk', 'mem']);
    assert.deepEqual(got.get('query'), [
      { time: '1970-01-01T00:00:01.000Z', cores: 4, host: 'a', state: 'ok', usage: 1 },
      { time: '1970-01-01T00:00:02.000Z', cores: 8, host: 'b', state: 'hot', usage: 2.5 },
    ]);
    assert.deepEqual(got.get('queryError'), { error: 'Error from InfluxDB: undefined function nope()' });
    assert.deepEqual(got.get('afterDropSeries'), ['cpu,host=a', 'cpu,host=b', 'disk,dev=sda']);
    assert.deepEqual(got.get('ping'), [{ online: true, version: '1.6.7' }]);
    if (oracle !== undefined) {
      const expected = await session(oracle.url);
      // The version header names the 1.x line; InfluxDB's own says 1.6.7~rc0.
      const normalise = (steps: Array<[string, unknown]>): Array<[string, unknown]> => steps.map(([k, v]) => [k, k === 'ping' ? '(version)' : v]);
      assert.deepEqual(normalise([...got.entries()]), normalise(expected), 'node-influx saw different answers from HyperbyteDB and InfluxDB 1.6.7');
    }
  } finally {
    await Promise.all([ours.stop(), oracle?.stop()]);
  }
});
