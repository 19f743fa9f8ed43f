// Debian's python3-influxdb (5.3) against HyperbyteDB: database and policy management, writes
// (JSON points and line protocol, another retention policy), queries over MessagePack (the client
// asks for it; a float field must come back as a float), bind parameters, errors, the list helpers.
// Where influxd is installed, the script's whole output must equal its output against InfluxDB 1.6.7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';
import { influxdAvailable, startInfluxd } from '../support/influxd.js';
import { pythonWithInfluxdb, runCommand, skipUnless } from './support/real-clients.js';

const python = pythonWithInfluxdb();
const script = join(dirname(fileURLToPath(import.meta.url)), 'support', 'python-influxdb-client.py');

async function runScript(url: string): Promise<Map<string, unknown>> {
  const result = await runCommand(python!, [script, '127.0.0.1', new URL(url).port], { timeoutMs: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  const steps = new Map<string, unknown>();
  for (const line of result.stdout.trim().split('\n')) {
    const { step, value } = JSON.parse(line) as { step: string; value: unknown };
    steps.set(step, value);
  }
  return steps;
}

test('python3-influxdb works unchanged', { skip: skipUnless(python !== undefined, 'python3-influxdb'), timeout: 90_000 }, async () => {
  const [ours, oracle] = await Promise.all([startHyperbytedb(), influxdAvailable().available ? startInfluxd() : Promise.resolve(undefined)]);
  try {
    const got = await runScript(ours.url);
    assert.deepEqual(got.get('write_points'), true);
    assert.deepEqual((got.get('select_star') as unknown[])[0], { cores: 4, host: 'a', state: 'ok', time: '1970-01-01T00:00:01Z', up: true, usage: 1.0 });
    assert.deepEqual(got.get('select_epoch_ms'), [{ cores: 4, time: 1000, usage: 1.0 }, { cores: 8, time: 2000, usage: 2.5 }, { cores: 4, time: 3000, usage: 3.5 }]);
    assert.deepEqual(got.get('list_series'), ['cpu,host=a', 'cpu,host=b', 'disk,dev=sda', 'mem,host=a']);
    assert.deepEqual(got.get('list_measurements'), [{ name: 'cpu' }, { name: 'disk' }, { name: 'mem' }]);
    assert.deepEqual(got.get('select_error'), { code: null, error: 'undefined function nope()' });
    assert.deepEqual(got.get('write_bad_line'), { code: 400, error: `400: {"error":"unable to parse 'cpu usage=': missing field value"}` });
    assert.deepEqual(got.get('after_delete'), [{ name: 'cpu' }, { name: 'disk' }]);
    assert.deepEqual(got.get('after_drop'), []);
    // A float field comes back as a float even when integral (1.0, not 1), integers as int.
    assert.deepEqual(got.get('value_types'), [['float', 'int', 'str', 'bool'], ['float', 'int', 'str', 'bool'], ['float', 'int', 'str', 'bool']]);
    if (oracle !== undefined) {
      const expected = await runScript(oracle.url);
      assert.deepEqual([...got.entries()], [...expected.entries()], 'python3-influxdb saw different answers from HyperbyteDB and InfluxDB 1.6.7');
    }
  } finally {
    await Promise.all([ours.stop(), oracle?.stop()]);
  }
});
