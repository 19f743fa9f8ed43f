// Engine options: what a library user passes to openEngine(). Defaults are finite; validate()
// asserts relations between limits. The CLI builds these from the convict config.

import { join } from 'node:path';
import { defaultFlushOptions, validateFlushOptions, type FlushOptions } from './flush/flush-service.js';
import { defaultWalOptions } from './wal/wal-port.js';
import { defaultSchemaLimits, type SchemaLimits } from './write-validator.js';
import { defaultSeriesLimits, type SeriesLimits } from './meta/series-index.js';
import { DEFAULT_MAX_SELECT_BUCKETS } from './query/execute/executor.js';
import { DEFAULT_MAX_RESULT_BYTES, DEFAULT_READ_CONNECTIONS } from './store/chdb-session.js';
import { defaultRetentionOptions, validateRetentionOptions, type RetentionOptions } from './services/retention.js';
import { defaultContinuousQueryOptions, validateContinuousQueryOptions, type ContinuousQueryOptions } from './services/continuous-queries.js';
import { validateLastValueCacheOptions, type LastValueCacheOptions } from './cache/last-value-cache.js';
import { validateRecentPointsCacheOptions, type RecentPointsCacheOptions } from './cache/recent-points-cache.js';
import { IN_MEMORY_MODES, type InMemoryMode } from './cache/in-memory-mode.js';

export interface EngineWalOptions {
  readonly syncOnAppend: boolean;
  readonly groupCommitMaxBatch: number;
  readonly groupCommitMaxDelayMs: number;
  readonly maxPendingBytes: number;
  /** Consumers (peers) never hold more stored bytes than this. */
  readonly maxRetainedBytes: number;
  /** Consumers never hold entries older than this. */
  readonly maxRetainedAgeMs: number;
  readonly recoveryDelayMs: number;
}

export interface EngineOptions {
  readonly nodeId: string;
  readonly dataDir: string;
  readonly walDir: string;
  readonly metaDir: string;
  readonly chdbDir: string;
  readonly wal: EngineWalOptions;
  readonly flush: FlushOptions;
  readonly schemaLimits: SchemaLimits;
  readonly seriesLimits: SeriesLimits;
  readonly queryTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  readonly maxQueuedQueries: number;
  /** Most GROUP BY time() buckets one SELECT may produce over all its series. */
  readonly maxSelectBuckets: number;
  /** Largest result one read may take from chDB (its in-memory size). */
  readonly maxResultBytes: number;
  /** chDB connections reads are spread over; inserts and DDL have one of their own. */
  readonly readConnections: number;
  /**
   * Memory all running queries hold together (rows read and shaped, until their answer is
   * written), at most half the JS heap limit; each read in chDB gets its share per read connection.
   */
  readonly maxQueryMemoryBytes: number;
  /** The retention service (absent: its defaults). */
  readonly retention?: RetentionOptions;
  /** The continuous query scheduler (absent: its defaults). */
  readonly continuousQueries?: ContinuousQueryOptions;
  /** The last-value cache (latest-value SELECTs from memory); defaultLastValueCacheOptions when absent. */
  readonly lastValueCache?: LastValueCacheOptions;
  /** The first-value cache (first() per series from memory); defaultFirstValueCacheOptions when absent. */
  readonly firstValueCache?: LastValueCacheOptions;
  /** The recent-points cache (small time-range reads from memory); defaultRecentPointsCacheOptions when absent. */
  readonly recentPointsCache?: RecentPointsCacheOptions;
  /** Bytes each of chDB's mark caches may hold (DEFAULT_MARK_CACHE_BYTES when absent). */
  readonly chdbMarkCacheBytes?: number;
  /** SHOW TAG VALUES without WHERE from the in-memory tag value index (default auto). */
  readonly tagValueIndex?: InMemoryMode;
}

/** Fits a machine with 2 GB of RAM next to the heap, chDB's caches and the WAL. */
export const DEFAULT_MAX_QUERY_MEMORY_BYTES = 512 * 1024 * 1024;

export function defaultEngineOptions(dataDir: string): EngineOptions {
  return {
    nodeId: 'node-1',
    dataDir,
    walDir: join(dataDir, 'wal'),
    metaDir: join(dataDir, 'meta'),
    chdbDir: join(dataDir, 'chdb'),
    wal: { ...defaultWalOptions },
    flush: defaultFlushOptions,
    schemaLimits: defaultSchemaLimits,
    seriesLimits: defaultSeriesLimits,
    queryTimeoutMs: 60_000,
    maxConcurrentQueries: 16,
    maxQueuedQueries: 64,
    maxSelectBuckets: DEFAULT_MAX_SELECT_BUCKETS,
    maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
    readConnections: DEFAULT_READ_CONNECTIONS,
    maxQueryMemoryBytes: DEFAULT_MAX_QUERY_MEMORY_BYTES,
    retention: defaultRetentionOptions,
    continuousQueries: defaultContinuousQueryOptions,
  };
}

export function validateEngineOptions(options: EngineOptions): void {
  validateFlushOptions(options.flush);
  for (const [name, value] of Object.entries({ ...options.schemaLimits, ...options.seriesLimits })) {
    if (!(Number.isSafeInteger(value) && value >= 1)) throw new Error(`limit ${name} must be an integer >= 1`);
  }
  if (!(options.queryTimeoutMs > 0)) throw new Error('query timeout must be > 0');
  if (!(options.maxConcurrentQueries >= 1)) throw new Error('max concurrent queries must be >= 1');
  if (!(options.maxQueuedQueries >= 0)) throw new Error('max queued queries must be >= 0');
  if (!(Number.isInteger(options.maxSelectBuckets) && options.maxSelectBuckets >= 1)) throw new Error('max select buckets must be an integer >= 1');
  if (!(Number.isInteger(options.maxResultBytes) && options.maxResultBytes >= 1)) throw new Error('max result bytes must be an integer >= 1');
  if (!(Number.isSafeInteger(options.maxQueryMemoryBytes) && options.maxQueryMemoryBytes >= 1)) throw new Error('max query memory must be an integer >= 1');
  if (!(Number.isInteger(options.readConnections) && options.readConnections >= 1 && options.readConnections <= 16)) throw new Error('read connections must be an integer from 1 to 16');
  if (options.retention) validateRetentionOptions(options.retention);
  if (options.continuousQueries) validateContinuousQueryOptions(options.continuousQueries);
  if (options.lastValueCache !== undefined) validateLastValueCacheOptions(options.lastValueCache);
  if (options.firstValueCache !== undefined) validateLastValueCacheOptions({ ...options.firstValueCache, edge: 'oldest' });
  if (options.recentPointsCache !== undefined) validateRecentPointsCacheOptions(options.recentPointsCache);
  if (options.tagValueIndex !== undefined && !IN_MEMORY_MODES.includes(options.tagValueIndex)) throw new Error(`tag value index mode must be one of ${IN_MEMORY_MODES.join(', ')}`);
}
