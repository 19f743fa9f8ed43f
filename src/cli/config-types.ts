// The typed, validated configuration that the composition root cuts into per-module options.
// Plain data only: no defaults, parsing or I/O live here (see config-schema.ts and load-config.ts).

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const CONSISTENCY_LEVELS = ['any', 'one', 'quorum', 'all'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** auto: an in-memory path answers once it is loaded; on: a query waits for the load; off: never. */
export const CACHE_MODES = ['auto', 'on', 'off'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export interface ServerConfig {
  readonly bindAddress: string;
  /** 0 asks the OS for a free port (tests). */
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly queryTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  /** Queries waiting for a slot beyond this are rejected; 0 means "never queue". */
  readonly maxQueuedQueries: number;
  readonly authEnabled: boolean;
  /** A verified password is trusted this long before it is hashed again. */
  readonly authCacheTtlMs: number;
  readonly authCacheMaxEntries: number;
}

/** All directories are resolved: an empty walDir/metaDir/chdbDir in the file becomes a subdirectory of dataDir. */
export interface StorageConfig {
  readonly dataDir: string;
  readonly walDir: string;
  readonly metaDir: string;
  readonly chdbDir: string;
  /** Bytes each of chDB's mark caches may hold. */
  readonly chdbMarkCacheBytes: number;
}

export interface WalConfig {
  readonly syncOnAppend: boolean;
  /** Entries per group commit. */
  readonly groupCommitMaxBatch: number;
  readonly groupCommitMaxDelayMs: number;
  /** Appends wait (backpressure) once this many bytes are written but not yet flushed. */
  readonly maxPendingBytes: number;
}

export interface FlushConfig {
  readonly intervalMs: number;
  readonly maxPointsPerInsert: number;
  /** WAL bytes one flush round decodes and inserts at most (held decoded in memory meanwhile). */
  readonly maxBytesPerRound: number;
  /** Bytes kept aside per table whose inserts fail before its writes are refused. */
  readonly maxQuarantineBytesPerTable: number;
  /** Quiet time after the flush caught up before memory a write burst grew is given back. */
  readonly idleReleaseDelayMs: number;
}

/** Cardinality and schema bounds checked at write time. */
export interface LimitsConfig {
  readonly maxSeriesPerDatabase: number;
  readonly maxValuesPerTag: number;
  readonly maxFieldsPerMeasurement: number;
  readonly maxTagKeysPerMeasurement: number;
}

export interface LoggingConfig {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Spans on the steps of the write, query, flush and replication paths, each also written to the log. */
  readonly detailedTrace: boolean;
  /** OTLP/HTTP traces endpoint; empty means no export (OpenTelemetry is never imported unless detailedTrace is on). */
  readonly otlpEndpoint: string;
  /** Share of new traces exported, 0..1; a request that carries a traceparent follows its sampled flag. */
  readonly otlpSampleRatio: number;
}

export interface MetricsConfig {
  readonly enabled: boolean;
}

export interface ClusterConfig {
  /** Empty means single-node mode. */
  readonly nodeId: string;
  /** Each entry is "id=host:port" (validated). */
  readonly peers: readonly string[];
  /** Resolved: empty in the file means server.bindAddress. */
  readonly raftBindAddress: string;
  readonly raftPort: number;
  /** Sensitive: never log it; `hyperbytedb config` prints it redacted. */
  readonly secret: string;
  readonly consistency: ConsistencyLevel;
  /** host:port peers use for this node's HTTP API; empty means bind address and port. */
  readonly httpAdvertiseAddress: string;
  /** host:port peers use for this node's Raft port; empty means Raft bind address and port. */
  readonly raftAdvertiseAddress: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatMissThreshold: number;
  readonly writeTimeoutMs: number;
  readonly peerRequestTimeoutMs: number;
  readonly replicationMaxBatchBytes: number;
  readonly replicateBodyLimitBytes: number;
  readonly walRetentionMaxBytes: number;
  readonly walRetentionMaxAgeMs: number;
  readonly raftElectionTimeoutMs: number;
  readonly raftSnapshotEvery: number;
  /** Members asked to admit this node when it starts without Raft state. */
  readonly join: readonly string[];
  readonly maxVoters: number;
  readonly syncIntervalMs: number;
  readonly startupSyncTimeoutMs: number;
  readonly syncPullMaxBytes: number;
  readonly drainTimeoutMs: number;
}

export interface QueryConfig {
  readonly maxSelectBuckets: number;
  readonly maxResultBytes: number;
  readonly chunkSizeDefault: number;
  /** chDB connections reads are spread over. */
  readonly readConnections: number;
  /** Memory all running queries hold together (query.max_memory). */
  readonly maxMemoryBytes: number;
}

export interface CacheConfig {
  /** The last-value cache: latest-value SELECTs answered from memory. */
  readonly lastValue: CacheMode;
  readonly lastValueMaxBytes: number;
  /** Newest points kept per series and field. */
  readonly lastValueDepth: number;
  /** The first-value cache: first() per series or tag group answered from memory. */
  readonly firstValue: CacheMode;
  readonly firstValueMaxBytes: number;
  /** The recent-points cache: small time-range reads of recent points answered from memory. */
  readonly recentPoints: CacheMode;
  readonly recentPointsMaxBytes: number;
  /** How far back from a measurement's newest point it holds points. */
  readonly recentPointsWindowMs: number;
  /** The tag value index: SHOW TAG VALUES without WHERE answered from memory. */
  readonly tagValues: CacheMode;
}

export interface StatementSummaryConfig {
  /** GET /api/v1/statements lists recently executed statements. */
  readonly enabled: boolean;
  /** Statement shapes kept (least recently seen evicted). */
  readonly maxEntries: number;
}

export interface RetentionConfig {
  readonly enabled: boolean;
  readonly intervalMs: number;
}

export interface ContinuousQueriesConfig {
  readonly enabled: boolean;
  readonly runIntervalMs: number;
}

export interface Config {
  readonly server: ServerConfig;
  readonly storage: StorageConfig;
  readonly wal: WalConfig;
  readonly flush: FlushConfig;
  readonly limits: LimitsConfig;
  readonly logging: LoggingConfig;
  readonly metrics: MetricsConfig;
  readonly cluster: ClusterConfig;
  readonly query: QueryConfig;
  readonly cache: CacheConfig;
  readonly statementSummary: StatementSummaryConfig;
  readonly retention: RetentionConfig;
  readonly continuousQueries: ContinuousQueriesConfig;
}
