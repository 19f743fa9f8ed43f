import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  configToToml,
  createConvictConfig,
  formatDurationMs,
  formatSizeBytes,
  parseDurationMs,
  parsePeer,
  parseSizeBytes,
  schemaKeys,
  toConfig,
} from '../../../src/cli/config-schema.js';
import { parse as parseToml } from 'smol-toml';

test('parseDurationMs reads units, compounds and bare milliseconds', () => {
  const cases: Array<[string, number]> = [
    ['10s', 10_000], ['250ms', 250], ['1m', 60_000], ['2h', 7_200_000], ['1d', 86_400_000],
    ['1m30s', 90_000], ['1h0m0s', 3_600_000], ['1.5s', 1500], ['1500', 1500], [' 5s ', 5000], ['0', 0],
  ];
  for (const [text, ms] of cases) assert.equal(parseDurationMs(text), ms, text);
});

test('parseDurationMs rejects malformed text', () => {
  for (const text of ['', 'abc', '10x', 's', '1.5.5s', '-1s', '10 s', '1m 30s', '5S']) {
    assert.equal(parseDurationMs(text), undefined, text);
  }
});

test('parseSizeBytes reads binary, decimal and InfluxDB-style units', () => {
  const cases: Array<[string, number]> = [
    ['25MiB', 25 * 1024 * 1024], ['1GB', 1e9], ['1GiB', 1024 ** 3], ['512m', 512 * 1024 * 1024],
    ['4096', 4096], ['4096B', 4096], ['1.5KiB', 1536], ['10 kb', 10_000], ['2k', 2048],
  ];
  for (const [text, bytes] of cases) assert.equal(parseSizeBytes(text), bytes, text);
  for (const text of ['', 'MiB', '10 parsecs', '-1', '1..5MB']) assert.equal(parseSizeBytes(text), undefined, text);
});

test('printed durations and sizes parse back to the same value', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
      assert.equal(parseDurationMs(formatDurationMs(ms)), ms);
    }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (bytes) => {
      assert.equal(parseSizeBytes(formatSizeBytes(bytes)), bytes);
    }),
  );
  assert.equal(formatDurationMs(60_000), '1m');
  assert.equal(formatDurationMs(1500), '1500ms');
  assert.equal(formatSizeBytes(25 * 1024 * 1024), '25MiB');
});

test('parsePeer accepts id=host:port with IPv6 in brackets and rejects the rest', () => {
  assert.deepEqual(parsePeer('1=10.0.0.1:8089'), { id: '1', host: '10.0.0.1', port: 8089 });
  assert.deepEqual(parsePeer('node-b=db-2.local:9000'), { id: 'node-b', host: 'db-2.local', port: 9000 });
  assert.deepEqual(parsePeer('3=[fd00::3]:8089'), { id: '3', host: '[fd00::3]', port: 8089 });
  for (const text of ['', '1=host', 'host:8089', '=host:1', '1=:80', '1=host:0', '1=host:70000', '1=fd00::3:8089', '1 =h:1']) {
    assert.equal(parsePeer(text), undefined, text);
  }
});

test('every schema key has an env name and passes validation with its default', () => {
  const keys = schemaKeys();
  assert.deepEqual([...keys.keys()], ['server', 'storage', 'wal', 'flush', 'limits', 'logging', 'metrics', 'cluster', 'query', 'cache', 'statement_summary', 'retention', 'continuous_queries']);
  const convictConfig = createConvictConfig({});
  convictConfig.validate({ allowed: 'strict' });
  const schema = convictConfig.getSchema() as unknown as {
    _cvtProperties: Record<string, { _cvtProperties: Record<string, { env?: string }> }>;
  };
  for (const [section, sectionKeys] of keys) {
    for (const key of sectionKeys) {
      assert.equal(schema._cvtProperties[section]?._cvtProperties[key]?.env, `HYPERBYTEDB__${section.toUpperCase()}__${key.toUpperCase()}`);
    }
  }
});

test('toConfig derives empty directories from data_dir and raft_bind_address from bind_address', () => {
  const raw = createConvictConfig({}).getProperties();
  raw.storage.data_dir = '/var/lib/hb';
  raw.storage.meta_dir = '/etc/hb-meta';
  raw.server.bind_address = '0.0.0.0';
  const config = toConfig(raw);
  assert.deepEqual(config.storage, { dataDir: '/var/lib/hb', walDir: '/var/lib/hb/wal', metaDir: '/etc/hb-meta', chdbDir: '/var/lib/hb/chdb', chdbMarkCacheBytes: 256 * 1024 * 1024 });
  assert.equal(config.cluster.raftBindAddress, '0.0.0.0');
});

test('toConfig returns a deep-frozen object that shares no arrays with convict', () => {
  const raw = createConvictConfig({}).getProperties();
  raw.cluster.peers = ['1=a:1'];
  const config = toConfig(raw);
  for (const value of [config, config.server, config.cluster, config.cluster.peers, config.query]) assert.ok(Object.isFrozen(value));
  raw.cluster.peers.push('2=b:2');
  assert.deepEqual(config.cluster.peers, ['1=a:1']);
  assert.throws(() => {
    (config.server as { port: number }).port = 1;
  }, TypeError);
});

test('configToToml prints every key, redacts a set secret and keeps an empty one empty', () => {
  const raw = createConvictConfig({}).getProperties();
  raw.cluster.secret = 'hunter2';
  const printed = configToToml(toConfig(raw));
  assert.ok(!printed.includes('hunter2'));
  const document = parseToml(printed) as Record<string, Record<string, unknown>>;
  assert.equal(document['cluster']?.['secret'], '<redacted>');
  for (const [section, sectionKeys] of schemaKeys()) {
    assert.deepEqual(Object.keys(document[section] ?? {}), [...sectionKeys], section);
  }
  const unset = parseToml(configToToml(toConfig(createConvictConfig({}).getProperties()))) as Record<string, Record<string, unknown>>;
  assert.equal(unset['cluster']?.['secret'], '');
});
