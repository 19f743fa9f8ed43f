import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type LoadConfigOptions } from '../../../src/cli/load-config.js';
import { configToToml, schemaKeys } from '../../../src/cli/config-schema.js';
import type { Config } from '../../../src/cli/config-types.js';
import { engineOptionsFromConfig } from '../../../src/cli/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function tomlFile(text: string, extension = '.toml'): string {
  const path = join(dir, `config-${fileCount++}${extension}`);
  writeFileSync(path, text);
  return path;
}

function configError(options: LoadConfigOptions): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('loadConfig accepted an invalid configuration');
}

const DEFAULTS: Config = {
  server: {
    bindAddress: '127.0.0.1', port: 8086, maxBodyBytes: 25 * 1024 * 1024, queryTimeoutMs: 60_000,
    maxConcurrentQueries: 16, maxQueuedQueries: 64, authEnabled: false, authCacheTtlMs: 60_000, authCacheMaxEntries: 1024,
  },
  storage: { dataDir: './data', walDir: 'data/wal', metaDir: 'data/meta', chdbDir: 'data/chdb', chdbMarkCacheBytes: 256 * 1024 * 1024 },
  wal: { syncOnAppend: true, groupCommitMaxBatch: 256, groupCommitMaxDelayMs: 2, maxPendingBytes: 256 * 1024 * 1024 },
  flush: { intervalMs: 10_000, maxPointsPerInsert: 500_000, maxBytesPerRound: 32 * 1024 * 1024, maxQuarantineBytesPerTable: 256 * 1024 * 1024, idleReleaseDelayMs: 2_000 },
  limits: { maxSeriesPerDatabase: 1_000_000, maxValuesPerTag: 100_000, maxFieldsPerMeasurement: 10_000, maxTagKeysPerMeasurement: 1_000 },
  logging: { level: 'info', format: 'text', detailedTrace: false, otlpEndpoint: '', otlpSampleRatio: 1 },
  metrics: { enabled: true },
  cluster: {
    nodeId: '', peers: [], raftBindAddress: '127.0.0.1', raftPort: 8089, secret: '', consistency: 'quorum', httpAdvertiseAddress: '', raftAdvertiseAddress: '',
    heartbeatIntervalMs: 2000, heartbeatMissThreshold: 3, writeTimeoutMs: 10_000, peerRequestTimeoutMs: 10_000, replicationMaxBatchBytes: 4 * 1024 * 1024,
    replicateBodyLimitBytes: 32 * 1024 * 1024, walRetentionMaxBytes: 1024 * 1024 * 1024, walRetentionMaxAgeMs: 168 * 3600 * 1000, raftElectionTimeoutMs: 1000, raftSnapshotEvery: 10_000,
    join: [], maxVoters: 5, syncIntervalMs: 30_000, startupSyncTimeoutMs: 60_000, syncPullMaxBytes: 8 * 1024 * 1024, drainTimeoutMs: 60_000,
  },
  query: { maxSelectBuckets: 1_000_000, maxResultBytes: 256 * 1024 * 1024, chunkSizeDefault: 10_000, readConnections: 2, maxMemoryBytes: 512 * 1024 * 1024 },
  cache: { lastValue: 'auto', lastValueMaxBytes: 64 * 1024 * 1024, lastValueDepth: 4, firstValue: 'auto', firstValueMaxBytes: 16 * 1024 * 1024, recentPoints: 'auto', recentPointsMaxBytes: 128 * 1024 * 1024, recentPointsWindowMs: 24 * 3600 * 1000, tagValues: 'auto' },
  statementSummary: { enabled: false, maxEntries: 1000 },
  retention: { enabled: true, intervalMs: 60_000 },
  continuousQueries: { enabled: true, runIntervalMs: 10_000 },
};

test('defaults: every limit is finite and the Config is deep-frozen', () => {
  const config = loadConfig({ env: {} });
  assert.deepEqual(config, DEFAULTS);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server) && Object.isFrozen(config.cluster.peers));
});

test('ignores environment variables outside the HYPERBYTEDB__ prefix', () => {
  assert.deepEqual(loadConfig({ env: { PATH: '/bin', HYPERBYTEDB_PORT: '1', HOME: '/root' } }), DEFAULTS);
});

test('a TOML file overrides defaults', () => {
  const configFile = tomlFile(`
[server]
bind_address = "0.0.0.0"
port = 9086
max_body_size = "1GB"
query_timeout = "2m"
[wal]
sync_on_append = false
group_commit_max_delay = 5
max_pending_size = 2147483648
[logging]
level = "debug"
format = "json"
detailed_trace = true
otlp_endpoint = "http://localhost:4318/v1/traces"
otlp_sample_ratio = 0.25
[cluster]
node_id = "1"
peers = ["1=10.0.0.1:8089", "2=10.0.0.2:8089"]
secret = "s3cret"
consistency = "quorum"
`);
  const config = loadConfig({ configFile, env: {} });
  assert.equal(config.server.bindAddress, '0.0.0.0');
  assert.equal(config.server.port, 9086);
  assert.equal(config.server.maxBodyBytes, 1_000_000_000);
  assert.equal(config.server.queryTimeoutMs, 120_000);
  assert.deepEqual(config.wal, { syncOnAppend: false, groupCommitMaxBatch: 256, groupCommitMaxDelayMs: 5, maxPendingBytes: 2 ** 31 });
  assert.deepEqual(config.logging, { level: 'debug', format: 'json', detailedTrace: true, otlpEndpoint: 'http://localhost:4318/v1/traces', otlpSampleRatio: 0.25 });
  assert.deepEqual(config.cluster.peers, ['1=10.0.0.1:8089', '2=10.0.0.2:8089']);
  assert.equal(config.cluster.raftBindAddress, '0.0.0.0');
  assert.equal(config.cluster.secret, 's3cret');
  assert.equal(config.cluster.consistency, 'quorum');
  assert.equal(config.query.chunkSizeDefault, 10_000);
});

test('the in-memory caches\' switches and bounds come from [cache] or the environment, and are checked', () => {
  const configFile = tomlFile('[cache]\nlast_value = "off"\nlast_value_max_size = "8MiB"\nrecent_points_window = "2h"\n');
  const config = loadConfig({ configFile, env: { HYPERBYTEDB__CACHE__LAST_VALUE: 'on', HYPERBYTEDB__CACHE__LAST_VALUE_DEPTH: '6', HYPERBYTEDB__CACHE__FIRST_VALUE: 'off', HYPERBYTEDB__CACHE__RECENT_POINTS_MAX_SIZE: '32MiB' } });
  assert.deepEqual(config.cache, {
    lastValue: 'on',
    lastValueMaxBytes: 8 * 1024 * 1024,
    lastValueDepth: 6,
    firstValue: 'off',
    firstValueMaxBytes: 16 * 1024 * 1024,
    recentPoints: 'auto',
    recentPointsMaxBytes: 32 * 1024 * 1024,
    recentPointsWindowMs: 2 * 3600 * 1000,
    tagValues: 'auto',
  });
  assert.match(configError({ env: { HYPERBYTEDB__CACHE__RECENT_POINTS: 'sometimes' } }).message, /cache\.recent_points/);
  assert.match(configError({ env: { HYPERBYTEDB__CACHE__RECENT_POINTS_WINDOW: '10ms' } }).message, /cache\.recent_points_window/);
  assert.match(configError({ env: { HYPERBYTEDB__CACHE__LAST_VALUE: 'always' } }).message, /cache\.last_value/);
  assert.match(configError({ env: { HYPERBYTEDB__CACHE__LAST_VALUE_DEPTH: '1' } }).message, /cache\.last_value_depth/);
});

test('an InfluxDB-style *.conf file is read as TOML', () => {
  const configFile = tomlFile('[server]\nport = 9100\n', '.conf');
  assert.equal(loadConfig({ configFile, env: {} }).server.port, 9100);
});

test('environment overrides the file', () => {
  const configFile = tomlFile('[server]\nport = 9086\nbind_address = "0.0.0.0"\n[logging]\nlevel = "warn"\n');
  const config = loadConfig({
    configFile,
    env: {
      HYPERBYTEDB__SERVER__PORT: '9999',
      HYPERBYTEDB__LOGGING__LEVEL: 'debug',
      HYPERBYTEDB__METRICS__ENABLED: 'false',
      HYPERBYTEDB__SERVER__MAX_BODY_SIZE: '10MiB',
      HYPERBYTEDB__CLUSTER__NODE_ID: 'a',
      HYPERBYTEDB__CLUSTER__PEERS: 'a=h1:8089, b=h2:8089',
      HYPERBYTEDB__CLUSTER__SECRET: 'x',
      HYPERBYTEDB__LOGGING__FORMAT: 'json',
      HYPERBYTEDB__LOGGING__DETAILED_TRACE: 'true',
      HYPERBYTEDB__LOGGING__OTLP_ENDPOINT: 'http://alloy:4318',
      HYPERBYTEDB__LOGGING__OTLP_SAMPLE_RATIO: '0.5',
    },
  });
  assert.equal(config.server.port, 9999);
  assert.deepEqual(config.logging, { level: 'debug', format: 'json', detailedTrace: true, otlpEndpoint: 'http://alloy:4318', otlpSampleRatio: 0.5 });
  assert.equal(config.server.bindAddress, '0.0.0.0');
  assert.equal(config.logging.level, 'debug');
  assert.equal(config.metrics.enabled, false);
  assert.equal(config.server.maxBodyBytes, 10 * 1024 * 1024);
  assert.deepEqual(config.cluster.peers, ['a=h1:8089', 'b=h2:8089']);
});

test('flags override env and file', () => {
  const configFile = tomlFile('[server]\nport = 9086\n[storage]\ndata_dir = "/from/file"\n');
  const config = loadConfig({
    configFile,
    env: { HYPERBYTEDB__SERVER__PORT: '9999', HYPERBYTEDB__LOGGING__LEVEL: 'debug', HYPERBYTEDB__SERVER__BIND_ADDRESS: '10.0.0.1' },
    flags: { port: '7000', logLevel: 'error', bindAddress: '::1', dataDir: '/from/flag' },
  });
  assert.equal(config.server.port, 7000);
  assert.equal(config.logging.level, 'error');
  assert.equal(config.server.bindAddress, '::1');
  assert.equal(config.storage.dataDir, '/from/flag');
  assert.equal(config.storage.walDir, '/from/flag/wal');
  assert.equal(loadConfig({ env: {}, flags: { port: 7001, logLevel: undefined } }).server.port, 7001);
});

test('flush.interval_secs maps to intervalMs from TOML numbers, strings and env', () => {
  const intervalMs = (text: string): number => loadConfig({ configFile: tomlFile(`[flush]\ninterval_secs = ${text}\n`), env: {} }).flush.intervalMs;
  assert.equal(intervalMs('10'), 10_000);
  assert.equal(intervalMs('2.5'), 2500);
  assert.equal(intervalMs('"500ms"'), 500);
  assert.equal(intervalMs('"1m"'), 60_000);
  assert.equal(loadConfig({ env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '30' } }).flush.intervalMs, 30_000);
  assert.equal(loadConfig({ env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '1.5s' } }).flush.intervalMs, 1500);
  assert.match(configError({ env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '0' } }).message, /flush\.interval_secs: must be a number of seconds >= 0\.001/);
});

test('durations and sizes parse from TOML strings, TOML numbers and env', () => {
  const configFile = tomlFile('[server]\nquery_timeout = 1500\nmax_body_size = "512m"\n[wal]\ngroup_commit_max_delay = "250ms"\n');
  const config = loadConfig({ configFile, env: { HYPERBYTEDB__WAL__MAX_PENDING_SIZE: '1GiB' } });
  assert.equal(config.server.queryTimeoutMs, 1500);
  assert.equal(config.server.maxBodyBytes, 512 * 1024 * 1024);
  assert.equal(config.wal.groupCommitMaxDelayMs, 250);
  assert.equal(config.wal.maxPendingBytes, 1024 ** 3);
  assert.equal(loadConfig({ env: { HYPERBYTEDB__SERVER__QUERY_TIMEOUT: '1h30m' } }).server.queryTimeoutMs, 5_400_000);
  const error = configError({ env: { HYPERBYTEDB__SERVER__QUERY_TIMEOUT: 'soon', HYPERBYTEDB__SERVER__MAX_BODY_SIZE: 'big' } });
  assert.match(error.message, /server\.query_timeout: must be a duration >= 1ms such as "250ms", "10s", "1m", "2h".*; got "soon" \(from HYPERBYTEDB__SERVER__QUERY_TIMEOUT\)/);
  assert.match(error.message, /server\.max_body_size: must be a size >= 1B such as "25MiB", "1GB".*; got "big"/);
  assert.match(configError({ configFile: tomlFile('[server]\nquery_timeout = "1.5ms"\n'), env: {} }).message, /server\.query_timeout: .*got 1\.5/);
});

test('an invalid enum names the key, the allowed values and the value', () => {
  const fromFile = configError({ configFile: tomlFile('[logging]\nformat = "xml"\n'), env: {} });
  assert.match(fromFile.message, /logging\.format: must be one of text, json; got "xml"/);
  assert.deepEqual(fromFile.problems, [`logging.format: must be one of text, json; got "xml" (in ${join(dir, `config-${fileCount - 1}.toml`)})`]);
  const fromEnv = configError({ env: { HYPERBYTEDB__CLUSTER__CONSISTENCY: 'most' } });
  assert.match(fromEnv.message, /cluster\.consistency: must be one of any, one, quorum, all; got "most" \(from HYPERBYTEDB__CLUSTER__CONSISTENCY\)/);
  const fromFlag = configError({ env: {}, flags: { logLevel: 'loud' } });
  assert.match(fromFlag.message, /logging\.level: must be one of fatal, error, warn, info, debug, trace; got "loud" \(from --log-level\)/);
});

test('unknown keys, sections and HYPERBYTEDB__ variables stop start-up', () => {
  const unknownKey = configError({ configFile: tomlFile('[server]\nprot = 9000\n'), env: {} });
  assert.match(unknownKey.message, /server\.prot: unknown key in .*; \[server\] accepts bind_address, port, /);
  const unknownSection = configError({ configFile: tomlFile('[serverr]\nport = 9000\n'), env: {} });
  assert.match(unknownSection.message, /serverr: unknown section in .*; sections are server, storage, /);
  const notTable = configError({ configFile: tomlFile('logging = "debug"\n'), env: {} });
  assert.deepEqual(notTable.problems.length, 1);
  assert.match(notTable.message, /logging: must be a table \[logging\]/);
  const unknownEnv = configError({ env: { HYPERBYTEDB__SERVER__PROT: '9000' } });
  assert.match(unknownEnv.message, /HYPERBYTEDB__SERVER__PROT: unknown setting/);
});

test('all problems of one run are reported together', () => {
  const error = configError({
    configFile: tomlFile('[server]\nprot = 1\nport = -1\n[logging]\nformat = "xml"\n'),
    env: { HYPERBYTEDB__QUERY__MAX_SELECT_BUCKETS: '0' },
  });
  assert.equal(error.problems.length, 4, error.message);
  assert.match(error.message, /^invalid configuration:\n {2}server\.prot: unknown key/);
  assert.match(error.message, /server\.port: must be an integer between 0 and 65535; got -1/);
  assert.match(error.message, /query\.max_select_buckets: must be an integer >= 1; got 0 \(from HYPERBYTEDB__QUERY__MAX_SELECT_BUCKETS\)/);
});

test('limits never accept 0 as unlimited', () => {
  for (const key of ['QUERY__MAX_SELECT_POINTS', 'QUERY__MAX_SELECT_SERIES', 'QUERY__CHUNK_SIZE_DEFAULT', 'SERVER__MAX_CONCURRENT_QUERIES',
    'SERVER__QUERY_TIMEOUT', 'SERVER__MAX_BODY_SIZE', 'WAL__GROUP_COMMIT_MAX_BATCH', 'WAL__MAX_PENDING_SIZE', 'FLUSH__MAX_POINTS_PER_INSERT']) {
    configError({ env: { [`HYPERBYTEDB__${key}`]: '0' } });
  }
});

test('booleans, integers and URLs reject near misses', () => {
  assert.match(configError({ env: { HYPERBYTEDB__METRICS__ENABLED: 'no' } }).message, /metrics\.enabled: must be true or false; got "no"/);
  assert.match(configError({ env: {}, flags: { port: '80a' } }).message, /server\.port: must be an integer between 0 and 65535; got "80a" \(from --port\)/);
  assert.match(configError({ configFile: tomlFile('[server]\nport = 80.5\n'), env: {} }).message, /server\.port: .*got 80\.5/);
  assert.match(configError({ env: { HYPERBYTEDB__LOGGING__OTLP_ENDPOINT: 'localhost:4318' } }).message, /logging\.otlp_endpoint: must be empty \(off\) or an http\(s\) URL/);
  assert.match(configError({ env: { HYPERBYTEDB__LOGGING__OTLP_SAMPLE_RATIO: '1.5' } }).message, /logging\.otlp_sample_ratio: must be a number between 0 and 1; got 1\.5/);
  assert.match(configError({ env: { HYPERBYTEDB__LOGGING__OTLP_SAMPLE_RATIO: 'half' } }).message, /logging\.otlp_sample_ratio: must be a number between 0 and 1; got "half"/);
  assert.match(configError({ env: { HYPERBYTEDB__TRACING__OTLP_ENDPOINT: 'http://x:4318' } }).message, /HYPERBYTEDB__TRACING__OTLP_ENDPOINT/);
  assert.match(configError({ env: { HYPERBYTEDB__SERVER__BIND_ADDRESS: ' ' } }).message, /server\.bind_address: must be a non-empty string/);
});

test('derived directories follow data_dir unless set', () => {
  const base = loadConfig({ env: { HYPERBYTEDB__STORAGE__DATA_DIR: '/srv/hb' } }).storage;
  assert.deepEqual(base, { dataDir: '/srv/hb', walDir: '/srv/hb/wal', metaDir: '/srv/hb/meta', chdbDir: '/srv/hb/chdb', chdbMarkCacheBytes: 256 * 1024 * 1024 });
  const configFile = tomlFile('[storage]\ndata_dir = "/srv/hb"\nwal_dir = "/fast-disk/wal"\n');
  const custom = loadConfig({ configFile, env: {} }).storage;
  assert.deepEqual(custom, { dataDir: '/srv/hb', walDir: '/fast-disk/wal', metaDir: '/srv/hb/meta', chdbDir: '/srv/hb/chdb', chdbMarkCacheBytes: 256 * 1024 * 1024 });
});

test('cluster settings are checked against each other', () => {
  assert.match(configError({ env: { HYPERBYTEDB__CLUSTER__PEERS: '1=a:8089' } }).message, /cluster\.node_id: must be set when cluster\.peers is not empty/);
  assert.match(
    configError({ env: { HYPERBYTEDB__CLUSTER__NODE_ID: '1', HYPERBYTEDB__CLUSTER__PEERS: '1=a:8089,1=b:8089' } }).message,
    /cluster\.peers: must be a list of distinct peer ids \(entry 1 repeats "1"\); got "1=b:8089"/,
  );
  assert.match(configError({ configFile: tomlFile('[cluster]\nnode_id = "1"\npeers = ["1=a"]\n'), env: {} }).message, /cluster\.peers: must be "id=host:port"/);
  const samePort = { HYPERBYTEDB__CLUSTER__NODE_ID: '1', HYPERBYTEDB__CLUSTER__PEERS: '1=a:8089', HYPERBYTEDB__CLUSTER__RAFT_PORT: '8086' };
  assert.match(configError({ env: samePort }).message, /cluster\.raft_port: must differ from server\.port/);
  assert.match(
    configError({ env: { HYPERBYTEDB__WAL__MAX_PENDING_SIZE: '1MiB' } }).message,
    /wal\.max_pending_size: must be at least server\.max_body_size \(25MiB\) so one write always fits; got 1MiB/,
  );
});

test('a sensitive value never appears in an error message', () => {
  const error = configError({ configFile: tomlFile('[cluster]\nsecret = 12345678\n'), env: {} });
  assert.match(error.message, /cluster\.secret: must be a string; got <redacted>/);
  assert.ok(!error.message.includes('12345678'));
});

test('file problems name the file: missing, wrong extension, bad TOML', () => {
  const missing = join(dir, 'absent.toml');
  assert.equal(configError({ configFile: missing, env: {} }).message, `invalid configuration: config file ${missing}: not found`);
  assert.match(configError({ configFile: tomlFile('{}', '.json'), env: {} }).message, /must be TOML named \*\.toml or \*\.conf/);
  const broken = tomlFile('[server\nport = 1\n');
  assert.match(configError({ configFile: broken, env: {} }).message, new RegExp(`config file ${broken}: Invalid TOML`));
});

test('the printed config loads back to the same Config', () => {
  const configFile = tomlFile('[server]\nport = 0\nquery_timeout = 1500\n[flush]\ninterval_secs = 0.25\n[cluster]\nnode_id = "n1"\npeers = ["n1=[::1]:8089"]\nsecret = "s"\n');
  const config = loadConfig({ configFile, env: { HYPERBYTEDB__WAL__MAX_PENDING_SIZE: '300000000' } });
  const reloaded = loadConfig({ configFile: tomlFile(configToToml(config)), env: {} });
  assert.equal(reloaded.cluster.secret, '<redacted>', 'the secret is never printed');
  assert.deepEqual({ ...reloaded, cluster: { ...reloaded.cluster, secret: 's' } }, config);
});

test('config.example.toml documents every key and holds the defaults', () => {
  const example = new URL('../../../config.example.toml', import.meta.url);
  const text = readFileSync(example, 'utf8');
  for (const [section, keys] of schemaKeys()) {
    assert.match(text, new RegExp(`^\\[${section}\\]$`, 'm'));
    for (const key of keys) assert.match(text, new RegExp(`^${key} = `, 'm'), `${section}.${key}`);
  }
  assert.deepEqual(loadConfig({ configFile: example.pathname, env: {} }), DEFAULTS);
});

test('auth_enabled, its cache and the statement summary are read from the file and the environment', () => {
  const config = loadConfig({
    configFile: tomlFile('[server]\nauth_enabled = true\nauth_cache_ttl = "30s"\n[statement_summary]\nenabled = true\nmax_entries = 50\n'),
    env: { HYPERBYTEDB__SERVER__AUTH_CACHE_MAX_ENTRIES: '8' },
  });
  assert.equal(config.server.authEnabled, true);
  assert.equal(config.server.authCacheTtlMs, 30_000);
  assert.equal(config.server.authCacheMaxEntries, 8);
  assert.deepEqual(config.statementSummary, { enabled: true, maxEntries: 50 });
  assert.equal(loadConfig({ env: { HYPERBYTEDB__SERVER__AUTH_ENABLED: 'true' } }).server.authEnabled, true);
  assert.match(configError({ configFile: tomlFile('[statement_summary]\nmax_entries = 0\n'), env: {} }).message, /statement_summary\.max_entries/);
});

test('query.max_select_buckets reaches the engine options', () => {
  const config = loadConfig({ configFile: tomlFile('[query]\nmax_select_buckets = 5000\n'), env: {} });
  assert.equal(engineOptionsFromConfig(config).maxSelectBuckets, 5000);
});

test('a cluster refuses to start without a secret, without itself among its peers, or with a bad node id', () => {
  const base = { HYPERBYTEDB__CLUSTER__NODE_ID: 'a', HYPERBYTEDB__CLUSTER__PEERS: 'a=h1:8089,b=h2:8089' };
  assert.match(configError({ env: base }).message, /cluster\.secret: a cluster needs a shared secret/);
  assert.match(configError({ env: { ...base, HYPERBYTEDB__CLUSTER__SECRET: 's', HYPERBYTEDB__CLUSTER__NODE_ID: 'c' } }).message, /cluster\.peers: must list this node/);
  assert.match(configError({ env: { ...base, HYPERBYTEDB__CLUSTER__SECRET: 's', HYPERBYTEDB__CLUSTER__NODE_ID: 'a b', HYPERBYTEDB__CLUSTER__PEERS: 'a b=h:1' } }).message, /cluster\.(node_id|peers)/);
  assert.equal(loadConfig({ env: { ...base, HYPERBYTEDB__CLUSTER__SECRET: 's' } }).cluster.consistency, 'quorum');
});
