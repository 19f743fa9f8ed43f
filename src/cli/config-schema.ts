// The one convict schema (snake_case TOML keys, HYPERBYTEDB__SECTION__KEY env names), our value formats,
// and the mapping between convict's raw values and the typed Config. It never reads files or process.env.

import { join } from 'node:path';
import convict from 'convict';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import {
  CACHE_MODES,
  CONSISTENCY_LEVELS,
  LOG_FORMATS,
  LOG_LEVELS,
  type CacheMode,
  type Config,
  type ConsistencyLevel,
  type LogFormat,
  type LogLevel,
} from './config-types.js';

export const ENV_PREFIX = 'HYPERBYTEDB__';
/** What `hyperbytedb config` prints instead of a sensitive value that is set. */
export const REDACTED = '<redacted>';

const KiB = 1024;
const MiB = 1024 * KiB;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

// ---------------------------------------------------------------------------------------------
// Value parsing (pure; exported for tests)

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** "250ms", "10s", "1m30s", "2h", "1d" or a bare integer of milliseconds; undefined if malformed. */
export function parseDurationMs(text: string): number | undefined {
  const input = text.trim();
  if (/^\d+$/.test(input)) return Number(input);
  if (input === '') return undefined;
  let totalMs = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < input.length) {
    const match = DURATION_PART.exec(input);
    if (match === null) return undefined;
    totalMs += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(totalMs) ? totalMs : undefined;
}

const SIZE_UNITS_BYTES: Readonly<Record<string, number>> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  kib: KiB, mib: MiB, gib: 1024 * MiB, tib: 1024 * 1024 * MiB,
  // InfluxDB 1.x configs write "512m" meaning MiB.
  k: KiB, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB,
};

/** "25MiB", "1GB", "512m", "4096" (bytes); undefined if malformed. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (match === null) return undefined;
  const unitBytes = SIZE_UNITS_BYTES[(match[2] ?? '').toLowerCase()];
  return unitBytes === undefined ? undefined : Number(match[1]) * unitBytes;
}

/** The largest unit that divides exactly, so the printed config reads back to the same value. */
export function formatDurationMs(ms: number): string {
  for (const [unit, unitMs] of [['d', DAY_MS], ['h', HOUR_MS], ['m', MINUTE_MS], ['s', SECOND_MS]] as const) {
    if (ms > 0 && ms % unitMs === 0) return `${ms / unitMs}${unit}`;
  }
  return `${ms}ms`;
}

export function formatSizeBytes(bytes: number): string {
  for (const [unit, unitBytes] of [['GiB', 1024 * MiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (bytes > 0 && bytes % unitBytes === 0) return `${bytes / unitBytes}${unit}`;
  }
  return `${bytes}B`;
}

/** A peer is "id=host:port"; host may be a bracketed IPv6 address. */
export function parsePeer(text: string): { id: string; host: string; port: number } | undefined {
  const match = /^([^=\s]+)=(\[[0-9a-fA-F:.]+\]|[^\s:=[\]]+):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { id: match[1] ?? '', host: match[2] ?? '', port };
}

// ---------------------------------------------------------------------------------------------
// convict formats

/**
 * Thrown by our formats with a message that already says what we got. convict appends
 * ": value was …" to any error whose `value` it can set; the accessor pair swallows that.
 */
class InvalidValueError extends Error {
  get value(): undefined {
    return undefined;
  }
  set value(_ignored: unknown) {}
}

/** Extra properties our formats read from a schema item. */
interface SettingBounds {
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly nonEmpty?: boolean;
}

function shown(value: unknown, item: convict.SchemaObj): string {
  if (item.sensitive === true) return REDACTED;
  return JSON.stringify(value) ?? String(value);
}

function invalid(expected: string, value: unknown, item: convict.SchemaObj): never {
  throw new InvalidValueError(`must be ${expected}; got ${shown(value, item)}`);
}

function bounds(item: convict.SchemaObj): { min: number; max: number } {
  const { min, max } = item as SettingBounds;
  return { min: min ?? 0, max: max ?? Number.MAX_SAFE_INTEGER };
}

function rangeText(item: convict.SchemaObj, show: (n: number) => string): string {
  const { min, max } = bounds(item);
  if (max === Number.MAX_SAFE_INTEGER) return min === 0 ? '' : ` >= ${show(min)}`;
  return ` between ${show(min)} and ${show(max)}`;
}

function inRange(value: number, item: convict.SchemaObj): boolean {
  const { min, max } = bounds(item);
  return value >= min && value <= max;
}

const asNumberIfInteger = (text: string): unknown => (/^-?\d+$/.test(text.trim()) ? Number(text) : text);

const FORMATS: readonly convict.Format[] = [
  {
    name: 'count',
    coerce: asNumberIfInteger,
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, item)) {
        invalid(`an integer${rangeText(item, String)}`, value, item);
      }
    },
  },
  {
    name: 'duration',
    coerce: (text: string): unknown => parseDurationMs(text) ?? text,
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, item)) {
        const range = rangeText(item, formatDurationMs);
        invalid(`a duration${range} such as "250ms", "10s", "1m", "2h" or a whole number of milliseconds`, value, item);
      }
    },
  },
  {
    // Stored in seconds so that a bare TOML number (which convict does not coerce) means seconds too.
    name: 'seconds',
    coerce: (text: string): unknown => {
      const trimmed = text.trim();
      if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
      const ms = parseDurationMs(trimmed);
      return ms === undefined ? text : ms / SECOND_MS;
    },
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, item)) {
        invalid(`a number of seconds${rangeText(item, String)} or a duration such as "10s"`, value, item);
      }
    },
  },
  {
    name: 'size',
    coerce: (text: string): unknown => parseSizeBytes(text) ?? text,
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || !inRange(value, item)) {
        const range = rangeText(item, formatSizeBytes);
        invalid(`a size${range} such as "25MiB", "1GB" or a whole number of bytes`, value, item);
      }
    },
  },
  {
    name: 'bool',
    coerce(text: string): unknown {
      const word = text.trim().toLowerCase();
      if (word === 'true' || word === '1') return true;
      if (word === 'false' || word === '0') return false;
      return text;
    },
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'boolean') invalid('true or false', value, item);
    },
  },
  {
    name: 'ratio',
    coerce: (text: string): unknown => (/^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text),
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) invalid('a number between 0 and 1', value, item);
    },
  },
  {
    name: 'text',
    validate(value: unknown, item: convict.SchemaObj) {
      if (typeof value !== 'string') invalid('a string', value, item);
      if ((item as SettingBounds).nonEmpty === true && value.trim() === '') invalid('a non-empty string', value, item);
    },
  },
  {
    name: 'one-of',
    validate(value: unknown, item: convict.SchemaObj) {
      const values = (item as SettingBounds).values ?? [];
      if (typeof value !== 'string' || !values.includes(value)) invalid(`one of ${values.join(', ')}`, value, item);
    },
  },
  {
    name: 'optional-url',
    validate(value: unknown, item: convict.SchemaObj) {
      if (value === '') return;
      const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        invalid('empty (off) or an http(s) URL such as "http://localhost:4318/v1/traces"', value, item);
      }
    },
  },
  {
    name: 'url-list',
    coerce: (text: string): unknown => text.split(',').map((url) => url.trim()).filter((url) => url !== ''),
    validate(value: unknown, item: convict.SchemaObj) {
      if (!Array.isArray(value)) invalid('an array of "host:port" or "http://host:port" strings', value, item);
      for (const [index, entry] of (value as unknown[]).entries()) {
        if (typeof entry !== 'string' || !/^(https?:\/\/)?[^\s/]+:\d{1,5}\/?$/.test(entry)) invalid(`"host:port" or "http://host:port" (entry ${index})`, entry, item);
      }
    },
  },
  {
    name: 'peer-list',
    coerce: (text: string): unknown => text.split(',').map((peer) => peer.trim()).filter((peer) => peer !== ''),
    validate(value: unknown, item: convict.SchemaObj) {
      if (!Array.isArray(value)) invalid('an array of "id=host:port" strings', value, item);
      const seenIds = new Set<string>();
      for (const [index, entry] of (value as unknown[]).entries()) {
        const peer = typeof entry === 'string' ? parsePeer(entry) : undefined;
        if (peer === undefined) invalid(`"id=host:port" with a port in 1..65535 (entry ${index})`, entry, item);
        if (seenIds.has(peer.id)) invalid(`a list of distinct peer ids (entry ${index} repeats "${peer.id}")`, entry, item);
        seenIds.add(peer.id);
      }
    },
  },
];

let formatsRegistered = false;

/** convict keeps formats and parsers in module-global registries; fill them once per process. */
function registerFormatsAndParsers(): void {
  if (formatsRegistered) return;
  for (const format of FORMATS) convict.addFormat(format);
  // InfluxDB 1.x names its TOML file *.conf, so accept that extension too.
  convict.addParser({ extension: ['toml', 'conf'], parse: (text: string) => parseToml(text, { unsafeKeyBehaviour: 'throw' }) });
  formatsRegistered = true;
}

// ---------------------------------------------------------------------------------------------
// The schema

/** convict's view of the configuration: TOML key names, durations in ms (interval_secs in s), sizes in bytes. */
export interface RawConfig {
  server: {
    bind_address: string; port: number; max_body_size: number; query_timeout: number;
    max_concurrent_queries: number; max_queued_queries: number; auth_enabled: boolean;
    auth_cache_ttl: number; auth_cache_max_entries: number;
  };
  storage: { data_dir: string; wal_dir: string; meta_dir: string; chdb_dir: string; chdb_mark_cache_size: number };
  wal: { sync_on_append: boolean; group_commit_max_batch: number; group_commit_max_delay: number; max_pending_size: number };
  flush: { interval_secs: number; max_points_per_insert: number; max_bytes_per_round: number; max_quarantine_size: number; idle_release_delay: number };
  limits: { max_series_per_database: number; max_values_per_tag: number; max_fields_per_measurement: number; max_tag_keys_per_measurement: number };
  logging: { level: LogLevel; format: LogFormat; detailed_trace: boolean; otlp_endpoint: string; otlp_sample_ratio: number };
  metrics: { enabled: boolean };
  cluster: {
    node_id: string; peers: string[]; raft_bind_address: string; raft_port: number;
    secret: string; consistency: ConsistencyLevel; http_advertise_address: string; raft_advertise_address: string;
    heartbeat_interval_secs: number; heartbeat_miss_threshold: number; write_timeout: number; peer_request_timeout: number;
    replication_max_batch_size: number; replicate_body_limit: number; wal_retention_max_size: number; wal_retention_max_age: number;
    raft_election_timeout: number; raft_snapshot_every: number; join: string[]; max_voters: number; sync_interval: number;
    startup_sync_timeout: number; sync_pull_max_bytes: number; drain_timeout: number;
  };
  query: { max_select_buckets: number; max_result_size: number; chunk_size_default: number; read_connections: number; max_memory: number };
  cache: { last_value: CacheMode; last_value_max_size: number; last_value_depth: number; first_value: CacheMode; first_value_max_size: number; recent_points: CacheMode; recent_points_max_size: number; recent_points_window: number; tag_values: CacheMode };
  statement_summary: { enabled: boolean; max_entries: number };
  retention: { enabled: boolean; interval: number };
  continuous_queries: { enabled: boolean; run_interval: number };
}

type FormatName = 'count' | 'duration' | 'seconds' | 'size' | 'bool' | 'ratio' | 'text' | 'one-of' | 'optional-url' | 'peer-list' | 'url-list';

function setting<T>(format: FormatName, value: T, doc: string, extra: SettingBounds & { sensitive?: boolean } = {}): convict.SchemaObj<T> {
  return { format, default: value, doc, ...extra };
}

function buildSchema(): convict.Schema<RawConfig> {
  const schema: convict.Schema<RawConfig> = {
    server: {
      bind_address: setting('text', '127.0.0.1', 'Address the HTTP API listens on.', { nonEmpty: true }),
      port: setting('count', 8086, 'HTTP API port; 0 picks a free port.', { max: 65535 }),
      max_body_size: setting('size', 25 * MiB, 'Largest accepted request body.', { min: 1 }),
      query_timeout: setting('duration', 60 * SECOND_MS, 'A query running longer is cancelled.', { min: 1 }),
      max_concurrent_queries: setting('count', 16, 'Queries executing at once.', { min: 1 }),
      max_queued_queries: setting('count', 64, 'Queries waiting for a slot; beyond this they are rejected.'),
      auth_enabled: setting('bool', false, 'Require credentials on every request but /ping, /health and /metrics (InfluxDB 1.x users).'),
      auth_cache_ttl: setting('duration', MINUTE_MS, 'How long a verified password is trusted before it is hashed again (a change or drop applies at once).', { min: 1, max: 60 * MINUTE_MS }),
      auth_cache_max_entries: setting('count', 1024, 'Verified credentials remembered at most.', { min: 1 }),
    },
    storage: {
      data_dir: setting('text', './data', 'Root of all on-disk state.', { nonEmpty: true }),
      wal_dir: setting('text', '', 'Write-ahead log; empty means <data_dir>/wal.'),
      meta_dir: setting('text', '', 'Catalog (databases, retention policies, users); empty means <data_dir>/meta.'),
      chdb_dir: setting('text', '', 'chDB tables; empty means <data_dir>/chdb.'),
      chdb_mark_cache_size: setting('size', 256 * MiB, "Memory each of chDB's mark caches (column and skip-index marks) may hold; ClickHouse's default is 5 GiB each.", { min: MiB }),
    },
    wal: {
      sync_on_append: setting('bool', true, 'fsync each group commit before acknowledging writes.'),
      group_commit_max_batch: setting('count', 256, 'Most WAL entries in one group commit.', { min: 1 }),
      group_commit_max_delay: setting('duration', 2, 'Longest a write waits for its group commit to fill.', { max: MINUTE_MS }),
      max_pending_size: setting('size', 256 * MiB, 'Unflushed WAL bytes before writes wait for the flusher.', { min: 1 }),
    },
    flush: {
      interval_secs: setting('seconds', 10, 'Seconds between WAL-to-chDB flushes.', { min: 0.001 }),
      max_points_per_insert: setting('count', 500_000, 'Most points in one chDB INSERT.', { min: 1 }),
      max_bytes_per_round: setting('size', 32 * MiB, 'Most WAL bytes one flush round decodes and inserts (the flush holds them decoded in memory).', { min: 1 }),
      max_quarantine_size: setting('size', 256 * MiB, 'Points kept aside per table whose inserts fail (retried until stored); past it, writes to that measurement get a 503.', { min: 1 }),
      idle_release_delay: setting('duration', 2 * SECOND_MS, 'Quiet time after the flush caught up before memory a write burst grew is given back (chDB allocator purge, JS heap collection).', { min: 1, max: MINUTE_MS * 60 }),
    },
    limits: {
      max_series_per_database: setting('count', 1_000_000, 'Series a database may hold; a write creating more is refused (InfluxDB max-series-per-database).', { min: 1 }),
      max_values_per_tag: setting('count', 100_000, 'Values one tag key of a measurement may have; a write adding more is refused (InfluxDB max-values-per-tag).', { min: 1 }),
      max_fields_per_measurement: setting('count', 10_000, 'Fields a measurement may have; a write adding more is refused.', { min: 1, max: 100_000 }),
      max_tag_keys_per_measurement: setting('count', 1_000, 'Tag keys a measurement may have; a write adding more is refused.', { min: 1, max: 10_000 }),
    },
    logging: {
      level: setting<LogLevel>('one-of', 'info', 'Least severe level logged.', { values: LOG_LEVELS }),
      format: setting<LogFormat>('one-of', 'text', 'text for people, json for log shippers.', { values: LOG_FORMATS }),
      detailed_trace: setting('bool', false, 'Spans on every step of the write, query, flush and replication paths, each also logged (system_trace=true).'),
      otlp_endpoint: setting('optional-url', '', 'OTLP/HTTP traces endpoint; empty exports no traces.'),
      otlp_sample_ratio: setting('ratio', 1, 'Share of new traces exported (0 to 1); a request\'s traceparent decides for its own trace.'),
    },
    metrics: {
      enabled: setting('bool', true, 'Serve Prometheus metrics on /metrics.'),
    },
    cluster: {
      node_id: setting('text', '', 'This node\'s id; empty means single-node mode.'),
      peers: setting<string[]>('peer-list', [], 'Cluster members as "id=host:port" (env: comma-separated).'),
      raft_bind_address: setting('text', '', 'Address Raft listens on; empty means server.bind_address.'),
      raft_port: setting('count', 8089, 'Raft and peer-to-peer port.', { min: 1, max: 65535 }),
      secret: setting('text', '', 'Shared secret authenticating peers.', { sensitive: true }),
      consistency: setting<ConsistencyLevel>('one-of', 'quorum', 'Default write consistency (any, one, quorum, all), counted against the members declared Active.', { values: CONSISTENCY_LEVELS }),
      http_advertise_address: setting('text', '', 'host:port peers reach this node\'s HTTP API on; empty means server.bind_address:server.port.'),
      raft_advertise_address: setting('text', '', 'host:port peers reach this node\'s Raft port on; empty means raft_bind_address:raft_port.'),
      heartbeat_interval_secs: setting('seconds', 2, 'Seconds between heartbeats to each peer.', { min: 0.05, max: 60 }),
      heartbeat_miss_threshold: setting('count', 3, 'Missed heartbeats before a peer is observed Disconnected.', { min: 1, max: 100 }),
      write_timeout: setting('duration', 10 * SECOND_MS, 'Longest a write waits for the copies its consistency level needs (then 504; the write is kept and delivered).', { min: 100 }),
      peer_request_timeout: setting('duration', 10 * SECOND_MS, 'Deadline of one request to a peer.', { min: 100 }),
      replication_max_batch_size: setting('size', 4 * MiB, 'Bytes of WAL entries sent to a peer in one request.', { min: 64 * KiB }),
      replicate_body_limit: setting('size', 32 * MiB, 'Largest replication body a node accepts.', { min: 64 * KiB }),
      wal_retention_max_size: setting('size', 1024 * MiB, 'Most WAL bytes kept for peers that have not received them (hinted handoff); a peer further behind needs a sync.', { min: MiB }),
      wal_retention_max_age: setting('duration', 168 * HOUR_MS, 'Oldest WAL entry kept for a peer that has not received it.', { min: MINUTE_MS }),
      raft_election_timeout: setting('duration', SECOND_MS, 'Raft election timeout (at least ten Raft heartbeats of 100ms).', { min: SECOND_MS, max: 60 * SECOND_MS }),
      raft_snapshot_every: setting('count', 10_000, 'Raft entries between state-machine snapshots.', { min: 100 }),
      join: setting<string[]>('url-list', [], 'Members (host:port or http URLs) asked to admit this node when it starts without Raft state (env: comma-separated).'),
      max_voters: setting('count', 5, 'Raft voters at most; further Active nodes stay learners (they hold all data and serve; they do not vote).', { min: 1, max: 15 }),
      sync_interval: setting('duration', 30 * SECOND_MS, 'The Raft leader compares every node\'s manifest this often and orders the pulls a lagging node needs.', { min: SECOND_MS }),
      startup_sync_timeout: setting('duration', 60 * SECOND_MS, 'Longest a starting node waits for its peers\' answers (then it serves what it holds).', { min: SECOND_MS }),
      sync_pull_max_bytes: setting('size', 8 * MiB, 'WAL bytes per sync pull request.', { min: 64 * KiB }),
      drain_timeout: setting('duration', 60 * SECOND_MS, 'How long a drain waits for the remaining peers to hold every entry of the draining node.', { min: SECOND_MS }),
    },
    query: {
      max_select_buckets: setting('count', 1_000_000, 'Most GROUP BY time() buckets one SELECT may produce, over all its series (InfluxDB max-select-buckets).', { min: 1 }),
      max_result_size: setting('size', 256 * MiB, 'Largest result one read may take from storage (in-memory size); larger queries fail with a statement error.', { min: 1 }),
      chunk_size_default: setting('count', 10_000, 'Rows per chunk when a chunked query gives no size.', { min: 1 }),
      read_connections: setting('count', 2, 'chDB connections reads run on at once (a slow read holds up only reads on its own connection); inserts have one more.', { min: 1, max: 16 }),
      max_memory: setting('size', 512 * MiB, 'Memory all running queries hold together (at most half the JS heap limit); a query needing more fails with a statement error.', { min: MiB }),
    },
    cache: {
      last_value: setting<CacheMode>('one-of', 'auto', 'Latest-value SELECTs (last() per series, ORDER BY time DESC LIMIT n) from memory: auto (once a measurement is loaded), on (queries wait for the load), off.', { values: CACHE_MODES }),
      last_value_max_size: setting('size', 64 * MiB, 'Memory the last-value cache may hold (estimated); past it, measurements are read from chDB.', { min: MiB }),
      last_value_depth: setting('count', 4, 'Newest points the last-value cache keeps per series and field (answers LIMIT up to one less).', { min: 2, max: 64 }),
      first_value: setting<CacheMode>('one-of', 'auto', 'first() per series or tag group from memory (each series\' two oldest points per field): auto, on, off as for last_value.', { values: CACHE_MODES }),
      first_value_max_size: setting('size', 16 * MiB, 'Memory the first-value cache may hold (estimated); past it, measurements are read from chDB.', { min: MiB }),
      recent_points: setting<CacheMode>('one-of', 'auto', 'Small time-range reads (GROUP BY time() with max, min, count, sum, mean; raw rows) of a measurement\'s most recent points from memory: auto, on, off as for last_value.', { values: CACHE_MODES }),
      recent_points_max_size: setting('size', 128 * MiB, 'Memory the recent-points cache may hold (estimated); a measurement whose window does not fit is read from chDB.', { min: MiB }),
      recent_points_window: setting('duration', 24 * 3_600_000, 'How far back from a measurement\'s newest point the recent-points cache holds its points.', { min: 1000 }),
      tag_values: setting<CacheMode>('one-of', 'auto', 'SHOW TAG VALUES without WHERE from the in-memory tag value index: auto (once a measurement is loaded), on (queries wait for the load), off.', { values: CACHE_MODES }),
    },
    statement_summary: {
      enabled: setting('bool', false, 'Keep a summary of recently executed statements at GET /api/v1/statements.'),
      max_entries: setting('count', 1000, 'Statement shapes kept; the least recently seen go first.', { min: 1, max: 100_000 }),
    },
    retention: {
      enabled: setting('bool', true, 'Remove data each retention policy no longer keeps (on every node).'),
      interval: setting('duration', MINUTE_MS, 'How often expired data is looked for and removed.', { min: 100, max: 24 * HOUR_MS }),
    },
    continuous_queries: {
      enabled: setting('bool', true, 'Run continuous queries (in a cluster, only the Raft leader runs them).'),
      run_interval: setting('duration', 10 * SECOND_MS, 'How often continuous queries that are due are run.', { min: 100, max: HOUR_MS }),
    },
  };
  for (const [section, keys] of Object.entries(schema as Record<string, Record<string, convict.SchemaObj>>)) {
    for (const [key, item] of Object.entries(keys)) item.env = envNameOf(section, key);
  }
  return schema;
}

export function envNameOf(section: string, key: string): string {
  return `${ENV_PREFIX}${section.toUpperCase()}__${key.toUpperCase()}`;
}

/** Section name → its TOML keys, in schema order. */
export function schemaKeys(): ReadonlyMap<string, readonly string[]> {
  return new Map(Object.entries(buildSchema()).map(([section, keys]) => [section, Object.keys(keys as object)]));
}

/** A fresh convict instance holding defaults overlaid by `env`; never reads process.env or argv. */
export function createConvictConfig(env: NodeJS.ProcessEnv): convict.Config<RawConfig> {
  registerFormatsAndParsers();
  return convict<RawConfig>(buildSchema(), { env, args: [] });
}

// ---------------------------------------------------------------------------------------------
// Raw ⇄ typed

/** Limits that depend on each other; each message names the key to change. */
export function checkRelations(raw: RawConfig): string[] {
  const problems: string[] = [];
  if (raw.wal.max_pending_size < raw.server.max_body_size) {
    problems.push(
      `wal.max_pending_size: must be at least server.max_body_size (${formatSizeBytes(raw.server.max_body_size)}) ` +
        `so one write always fits; got ${formatSizeBytes(raw.wal.max_pending_size)}`,
    );
  }
  const clustered = raw.cluster.peers.length > 0 || raw.cluster.join.length > 0;
  if (clustered && raw.cluster.node_id.trim() === '') {
    problems.push(`cluster.node_id: must be set when cluster.${raw.cluster.peers.length > 0 ? 'peers' : 'join'} is not empty; got ""`);
  }
  if (clustered && raw.cluster.secret === '') {
    problems.push('cluster.secret: a cluster needs a shared secret (every peer request is signed with it); set it in the file or HYPERBYTEDB__CLUSTER__SECRET');
  }
  if (raw.cluster.peers.length > 0 && !raw.cluster.peers.some((peer) => parsePeer(peer)?.id === raw.cluster.node_id)) {
    problems.push(`cluster.peers: must list this node ("${raw.cluster.node_id}=host:raft_port") with the others; got ${JSON.stringify(raw.cluster.peers)}`);
  }
  if (raw.cluster.node_id !== '' && !/^[A-Za-z0-9._-]{1,64}$/.test(raw.cluster.node_id)) {
    problems.push(`cluster.node_id: 1 to 64 characters of letters, digits, '.', '_' and '-'; got ${JSON.stringify(raw.cluster.node_id)}`);
  }
  if (raw.cluster.write_timeout < raw.cluster.heartbeat_interval_secs * SECOND_MS) {
    problems.push('cluster.write_timeout: must be at least cluster.heartbeat_interval_secs');
  }
  if (raw.cluster.replication_max_batch_size > raw.cluster.replicate_body_limit) {
    problems.push('cluster.replication_max_batch_size: must not exceed cluster.replicate_body_limit');
  }
  const raftAddress = raw.cluster.raft_bind_address || raw.server.bind_address;
  if (raw.cluster.peers.length > 0 && raftAddress === raw.server.bind_address && raw.cluster.raft_port === raw.server.port) {
    problems.push(`cluster.raft_port: must differ from server.port on the same address; got ${raw.cluster.raft_port}`);
  }
  return problems;
}

export function toConfig(raw: RawConfig): Config {
  const { server, storage, wal, flush, limits, logging, metrics, cluster, query, cache, statement_summary: statementSummary, retention, continuous_queries: continuousQueries } = raw;
  return deepFreeze<Config>({
    server: {
      bindAddress: server.bind_address,
      port: server.port,
      maxBodyBytes: server.max_body_size,
      queryTimeoutMs: server.query_timeout,
      maxConcurrentQueries: server.max_concurrent_queries,
      maxQueuedQueries: server.max_queued_queries,
      authEnabled: server.auth_enabled,
      authCacheTtlMs: server.auth_cache_ttl,
      authCacheMaxEntries: server.auth_cache_max_entries,
    },
    storage: {
      dataDir: storage.data_dir,
      walDir: storage.wal_dir || join(storage.data_dir, 'wal'),
      metaDir: storage.meta_dir || join(storage.data_dir, 'meta'),
      chdbDir: storage.chdb_dir || join(storage.data_dir, 'chdb'),
      chdbMarkCacheBytes: storage.chdb_mark_cache_size,
    },
    wal: {
      syncOnAppend: wal.sync_on_append,
      groupCommitMaxBatch: wal.group_commit_max_batch,
      groupCommitMaxDelayMs: wal.group_commit_max_delay,
      maxPendingBytes: wal.max_pending_size,
    },
    flush: {
      intervalMs: Math.round(flush.interval_secs * SECOND_MS),
      maxPointsPerInsert: flush.max_points_per_insert,
      maxBytesPerRound: flush.max_bytes_per_round,
      maxQuarantineBytesPerTable: flush.max_quarantine_size,
      idleReleaseDelayMs: flush.idle_release_delay,
    },
    limits: {
      maxSeriesPerDatabase: limits.max_series_per_database,
      maxValuesPerTag: limits.max_values_per_tag,
      maxFieldsPerMeasurement: limits.max_fields_per_measurement,
      maxTagKeysPerMeasurement: limits.max_tag_keys_per_measurement,
    },
    logging: {
      level: logging.level,
      format: logging.format,
      detailedTrace: logging.detailed_trace,
      otlpEndpoint: logging.otlp_endpoint,
      otlpSampleRatio: logging.otlp_sample_ratio,
    },
    metrics: { enabled: metrics.enabled },
    cluster: {
      nodeId: cluster.node_id,
      peers: [...cluster.peers],
      raftBindAddress: cluster.raft_bind_address || server.bind_address,
      raftPort: cluster.raft_port,
      secret: cluster.secret,
      consistency: cluster.consistency,
      httpAdvertiseAddress: cluster.http_advertise_address,
      raftAdvertiseAddress: cluster.raft_advertise_address,
      heartbeatIntervalMs: Math.round(cluster.heartbeat_interval_secs * SECOND_MS),
      heartbeatMissThreshold: cluster.heartbeat_miss_threshold,
      writeTimeoutMs: cluster.write_timeout,
      peerRequestTimeoutMs: cluster.peer_request_timeout,
      replicationMaxBatchBytes: cluster.replication_max_batch_size,
      replicateBodyLimitBytes: cluster.replicate_body_limit,
      walRetentionMaxBytes: cluster.wal_retention_max_size,
      walRetentionMaxAgeMs: cluster.wal_retention_max_age,
      raftElectionTimeoutMs: cluster.raft_election_timeout,
      raftSnapshotEvery: cluster.raft_snapshot_every,
      join: [...cluster.join],
      maxVoters: cluster.max_voters,
      syncIntervalMs: cluster.sync_interval,
      startupSyncTimeoutMs: cluster.startup_sync_timeout,
      syncPullMaxBytes: cluster.sync_pull_max_bytes,
      drainTimeoutMs: cluster.drain_timeout,
    },
    query: {
      maxSelectBuckets: query.max_select_buckets,
      maxResultBytes: query.max_result_size,
      chunkSizeDefault: query.chunk_size_default,
      readConnections: query.read_connections,
      maxMemoryBytes: query.max_memory,
    },
    cache: { lastValue: cache.last_value, lastValueMaxBytes: cache.last_value_max_size, lastValueDepth: cache.last_value_depth, firstValue: cache.first_value, firstValueMaxBytes: cache.first_value_max_size, recentPoints: cache.recent_points, recentPointsMaxBytes: cache.recent_points_max_size, recentPointsWindowMs: cache.recent_points_window, tagValues: cache.tag_values },
    statementSummary: { enabled: statementSummary.enabled, maxEntries: statementSummary.max_entries },
    retention: { enabled: retention.enabled, intervalMs: retention.interval },
    continuousQueries: { enabled: continuousQueries.enabled, runIntervalMs: continuousQueries.run_interval },
  });
}

/** The effective config as TOML that loads back to the same Config, with the cluster secret redacted. */
export function configToToml(config: Config): string {
  const { server, storage, wal, flush, limits, logging, metrics, cluster, query, cache, statementSummary, retention, continuousQueries } = config;
  const document: Record<keyof RawConfig, Record<string, unknown>> = {
    server: {
      bind_address: server.bindAddress,
      port: server.port,
      max_body_size: formatSizeBytes(server.maxBodyBytes),
      query_timeout: formatDurationMs(server.queryTimeoutMs),
      max_concurrent_queries: server.maxConcurrentQueries,
      max_queued_queries: server.maxQueuedQueries,
      auth_enabled: server.authEnabled,
      auth_cache_ttl: formatDurationMs(server.authCacheTtlMs),
      auth_cache_max_entries: server.authCacheMaxEntries,
    },
    storage: { data_dir: storage.dataDir, wal_dir: storage.walDir, meta_dir: storage.metaDir, chdb_dir: storage.chdbDir, chdb_mark_cache_size: formatSizeBytes(storage.chdbMarkCacheBytes) },
    wal: {
      sync_on_append: wal.syncOnAppend,
      group_commit_max_batch: wal.groupCommitMaxBatch,
      group_commit_max_delay: formatDurationMs(wal.groupCommitMaxDelayMs),
      max_pending_size: formatSizeBytes(wal.maxPendingBytes),
    },
    flush: { interval_secs: flush.intervalMs / SECOND_MS, max_points_per_insert: flush.maxPointsPerInsert, max_bytes_per_round: formatSizeBytes(flush.maxBytesPerRound), max_quarantine_size: formatSizeBytes(flush.maxQuarantineBytesPerTable), idle_release_delay: formatDurationMs(flush.idleReleaseDelayMs) },
    limits: {
      max_series_per_database: limits.maxSeriesPerDatabase,
      max_values_per_tag: limits.maxValuesPerTag,
      max_fields_per_measurement: limits.maxFieldsPerMeasurement,
      max_tag_keys_per_measurement: limits.maxTagKeysPerMeasurement,
    },
    logging: {
      level: logging.level,
      format: logging.format,
      detailed_trace: logging.detailedTrace,
      otlp_endpoint: logging.otlpEndpoint,
      otlp_sample_ratio: logging.otlpSampleRatio,
    },
    metrics: { enabled: metrics.enabled },
    cluster: {
      node_id: cluster.nodeId,
      peers: [...cluster.peers],
      raft_bind_address: cluster.raftBindAddress,
      raft_port: cluster.raftPort,
      secret: cluster.secret === '' ? '' : REDACTED,
      consistency: cluster.consistency,
      http_advertise_address: cluster.httpAdvertiseAddress,
      raft_advertise_address: cluster.raftAdvertiseAddress,
      heartbeat_interval_secs: cluster.heartbeatIntervalMs / SECOND_MS,
      heartbeat_miss_threshold: cluster.heartbeatMissThreshold,
      write_timeout: formatDurationMs(cluster.writeTimeoutMs),
      peer_request_timeout: formatDurationMs(cluster.peerRequestTimeoutMs),
      replication_max_batch_size: formatSizeBytes(cluster.replicationMaxBatchBytes),
      replicate_body_limit: formatSizeBytes(cluster.replicateBodyLimitBytes),
      wal_retention_max_size: formatSizeBytes(cluster.walRetentionMaxBytes),
      wal_retention_max_age: formatDurationMs(cluster.walRetentionMaxAgeMs),
      raft_election_timeout: formatDurationMs(cluster.raftElectionTimeoutMs),
      raft_snapshot_every: cluster.raftSnapshotEvery,
      join: [...cluster.join],
      max_voters: cluster.maxVoters,
      sync_interval: formatDurationMs(cluster.syncIntervalMs),
      startup_sync_timeout: formatDurationMs(cluster.startupSyncTimeoutMs),
      sync_pull_max_bytes: formatSizeBytes(cluster.syncPullMaxBytes),
      drain_timeout: formatDurationMs(cluster.drainTimeoutMs),
    },
    query: {
      max_select_buckets: query.maxSelectBuckets,
      max_result_size: formatSizeBytes(query.maxResultBytes),
      chunk_size_default: query.chunkSizeDefault,
      read_connections: query.readConnections,
      max_memory: formatSizeBytes(query.maxMemoryBytes),
    },
    cache: { last_value: cache.lastValue, last_value_max_size: formatSizeBytes(cache.lastValueMaxBytes), last_value_depth: cache.lastValueDepth, first_value: cache.firstValue, first_value_max_size: formatSizeBytes(cache.firstValueMaxBytes), recent_points: cache.recentPoints, recent_points_max_size: formatSizeBytes(cache.recentPointsMaxBytes), recent_points_window: formatDurationMs(cache.recentPointsWindowMs), tag_values: cache.tagValues },
    statement_summary: { enabled: statementSummary.enabled, max_entries: statementSummary.maxEntries },
    retention: { enabled: retention.enabled, interval: formatDurationMs(retention.intervalMs) },
    continuous_queries: { enabled: continuousQueries.enabled, run_interval: formatDurationMs(continuousQueries.runIntervalMs) },
  };
  return `${stringifyToml(document).trim()}\n`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
