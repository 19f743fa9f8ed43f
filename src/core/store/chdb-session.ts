// The one place that imports chdb: an embedded ClickHouse session on a data directory.
// Everything runs through the async API so a slow query never blocks writes or /ping.

import { Session } from 'chdb';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteString } from './naming.js';
import type { SqlResult } from '../query/execute/query-port.js';
import { eventLoopTurns } from '../event-loop-turns.js';
import { InternalError, LimitExceededError } from '../errors.js';
import { estimateRowsBytes, QueryMemoryExceededError, type MemoryLease } from '../query-memory.js';
import { NativeResultBuilder, UnsupportedNativeType } from './native-decoder.js';

type ChdbResult = Awaited<ReturnType<Session['queryAsync']>>;
type ChdbStream = ReturnType<Session['queryStream']>;

/** Native reads of one statement before it falls back to self-delimiting JSONCompact. */
const NATIVE_ATTEMPTS = 3;

/**
 * Largest answer (ClickHouse's in-memory size) a read takes whole, off the event loop, before it
 * is read as a stream. chdb starts a stream on the calling thread: parsing, analysing and planning
 * a statement (4–5 ms for a small TSBS query on chDB 3.4) blocked the event loop, so two read
 * connections never planned at once and every other request waited. A whole read runs on chdb's
 * own thread; an answer past this size stops that read at once (result_overflow_mode='throw')
 * and is read again as a stream, which bounds what a read holds before its rows are reserved.
 */
export const WHOLE_READ_BYTES_MAX = 1024 * 1024;

/**
 * Statement shapes (the SQL with its numbers blanked, hashed) whose latest answer outgrew a whole
 * read: their next read streams at once instead of doing the work up to the bound twice (a 432,000
 * row GROUP BY answer aggregates for 0.5 s before its whole read stops). A streamed answer within
 * the bound forgets its shape again. The least recently used shape goes first past this many.
 */
const LARGE_SHAPES_MAX = 1024;

/** The SQL with every run of digits as 0 (times, limits, intervals vary between runs of one query), hashed. */
function statementShape(sql: string): string {
  return createHash('sha1').update(sql.replace(/[0-9]+/g, '0')).digest('base64');
}

/** What a whole read found: the answer (null when it has no rows), or that it must stream or read JSONCompact. */
type WholeRead = { readonly answer: SqlResult | null } | 'stream' | 'json';

export interface ChdbSessionOptions {
  readonly dir: string;
  /** Where insert payloads are staged as files for chDB to read (emptied on open). */
  readonly stagingDir: string;
  /**
   * Largest result one read may return (ClickHouse's in-memory size of the result; the JSON and
   * the rows built from it take several times more), so one query cannot exhaust the process.
   */
  readonly maxResultBytes?: number;
  /** Connections reads are spread over (DEFAULT_READ_CONNECTIONS); inserts and DDL have their own. */
  readonly readConnections?: number;
  /**
   * ClickHouse's working memory for one read (max_memory_usage): a read needing more fails with
   * QueryMemoryExceededError. At most `readConnections` reads run at once, so this times that
   * bounds chDB's memory for reads.
   */
  readonly maxReadMemoryBytes?: number;
  /**
   * Bytes each of ClickHouse's mark caches (columns' and skip indexes') may hold; its default is
   * 5 GiB each. Set for the whole process by the first connection.
   */
  readonly markCacheBytes?: number;
}

export const DEFAULT_MARK_CACHE_BYTES = 256 * 1024 * 1024;

export const DEFAULT_MAX_READ_MEMORY_BYTES = 256 * 1024 * 1024;

export const DEFAULT_MAX_RESULT_BYTES = 256 * 1024 * 1024;

export interface JsonCompact {
  meta: Array<{ name: string; type: string }>;
  data: unknown[][];
}

/**
 * ClickHouse settings for every read: exact 64-bit integers in JSON. FINAL never merges across
 * partitions: the partition key is a function of `time`, which is in the sort key, so rows that
 * merge always share a partition, and a partition holding one merged part is read unmerged.
 */
function readSettings(maxResultBytes: number, maxReadMemoryBytes: number): string {
  return (
    ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1, do_not_merge_across_partitions_select_final=1' +
    `, max_result_bytes=${maxResultBytes}, result_overflow_mode='throw', max_memory_usage=${maxReadMemoryBytes}, max_block_size=${READ_BLOCK_ROWS}`
  );
}

/**
 * Rows per block of a read (ClickHouse's default is 65,505): a streamed block is decoded in a few
 * ms, and its column arrays stay small enough for V8's young generation instead of going straight
 * to large-object space as garbage. Measured on chDB 3.4: no slower for grouped or raw reads.
 */
const READ_BLOCK_ROWS = 8_192;

/**
 * Parses one JSONCompact answer. chdb hands the output a query wrote before it failed mid-stream
 * (a complete document of its own) to the session's next query, ahead of that query's document;
 * a document starts with `{`, newline, tab, `"meta":`, which no string value can contain raw (JSON
 * escapes newlines and tabs), so the last such start is this query's answer.
 */
export function parseJsonCompact(text: string): JsonCompact {
  try {
    return JSON.parse(text) as JsonCompact;
  } catch (error) {
    const start = text.lastIndexOf(DOCUMENT_START);
    if (start <= 0) throw error;
    return JSON.parse(text.slice(start)) as JsonCompact;
  }
}

const DOCUMENT_START = '{\n\t"meta":';

/** ClickHouse's TOO_MANY_ROWS_OR_BYTES (code 396), raised by max_result_bytes. */
function isResultTooLarge(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /TOO_MANY_ROWS_OR_BYTES|Code: 396\b/.test(text);
}

/** ClickHouse's MEMORY_LIMIT_EXCEEDED (code 241), raised by max_memory_usage and the server's total limit. */
function isMemoryLimit(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /MEMORY_LIMIT_EXCEEDED|Code: 241\b/.test(text);
}

/** One chdb connection and what the session knows of its state. */
class Connection {
  /** Set when a query failed: its partial output may be waiting in front of the next answer. */
  leftoverPossible = false;
  /** Reads started on this connection and not yet done (running or waiting for it). */
  inFlight = 0;
  /** chdb allows one open result stream per connection: reads take turns, in arrival order. */
  private turn: Promise<void> = Promise.resolve();

  constructor(readonly session: Session) {}

  /** Resolves once every read started before on this connection is done; call the result when done. */
  async take(): Promise<() => void> {
    let done!: () => void;
    const previous = this.turn;
    this.turn = new Promise<void>((resolve) => (done = resolve));
    await previous;
    return done;
  }
}

/** Options of one read. */
export interface ReadOptions {
  readonly signal?: AbortSignal;
  /** The query's share of the memory budget: every decoded block is reserved before it is built. */
  readonly memory?: MemoryLease;
  /** 64-bit and wider integers as bigint rather than decimal text (Native reads; JSONCompact gives text). */
  readonly bigIntegers?: boolean;
}

/**
 * Limits every connection is opened with, so the SQL of the widest table we store fits: the
 * INSERT of a 10,000-field table names 10,000 columns and describes them in its structure
 * (about 600 KB), its CREATE and a SELECT of every field are longer still; ClickHouse's
 * defaults (256 KB, 50,000 AST elements) refuse them. `ddl.ts` splits its DDL well inside these.
 */
export const CONNECTION_LIMITS = Object.freeze({
  maxQuerySize: 64 * 1024 * 1024,
  maxAstElements: 10_000_000,
  maxExpandedAstElements: 10_000_000,
});

/** Settings given at connect (chdb takes them as `clickhouse local` arguments). */
export const CONNECTION_ARGS: readonly string[] = Object.freeze([
  `--max_query_size=${CONNECTION_LIMITS.maxQuerySize}`,
  `--max_ast_elements=${CONNECTION_LIMITS.maxAstElements}`,
  `--max_expanded_ast_elements=${CONNECTION_LIMITS.maxExpandedAstElements}`,
]);

function connect(dir: string, markCacheBytes: number): Session {
  const cacheArgs = [`--mark_cache_size=${markCacheBytes}`, `--index_mark_cache_size=${markCacheBytes}`];
  return new Session(dir, { installSignalHandlers: false, connectionArgs: [...CONNECTION_ARGS, ...cacheArgs] });
}

/** Read connections when the options do not say. */
export const DEFAULT_READ_CONNECTIONS = 2;

/**
 * chdb runs one statement at a time per connection, and connections to one directory run
 * concurrently over the same tables. Inserts and DDL go through a connection of their own, so a
 * slow read never holds up the flush; reads go to the read connection with the fewest reads
 * running, so a slow read holds up only the reads queued behind it on its connection.
 */
export class ChdbSession {
  private writer: Connection | null = null;
  private readers: Connection[] = [];
  private readonly readSettings: string;
  /** readSettings with max_result_bytes at WHOLE_READ_BYTES_MAX (or the read limit, if lower). */
  private readonly wholeReadSettings: string;
  /** Whether the read limit is within WHOLE_READ_BYTES_MAX, so a whole read's overflow is final. */
  private readonly wholeReadIsFinal: boolean;
  /** Statement shapes read as streams at once (LARGE_SHAPES_MAX, least recently used first out). */
  private readonly largeShapes = new Map<string, true>();
  /** Whole reads stopped at WHOLE_READ_BYTES_MAX and read again as streams. */
  private wholeReadOverflowCount = 0;
  private readonly readConnections: number;
  private readonly maxReadMemoryBytes: number;

  constructor(private readonly options: ChdbSessionOptions) {
    const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    if (!(Number.isInteger(maxResultBytes) && maxResultBytes > 0)) throw new Error('chdb max result bytes must be a positive integer');
    this.readConnections = options.readConnections ?? DEFAULT_READ_CONNECTIONS;
    if (!(Number.isInteger(this.readConnections) && this.readConnections >= 1)) throw new Error('chdb read connections must be an integer >= 1');
    this.maxReadMemoryBytes = options.maxReadMemoryBytes ?? DEFAULT_MAX_READ_MEMORY_BYTES;
    if (!(Number.isInteger(this.maxReadMemoryBytes) && this.maxReadMemoryBytes > 0)) throw new Error('chdb max read memory must be a positive integer');
    this.readSettings = readSettings(maxResultBytes, this.maxReadMemoryBytes);
    this.wholeReadSettings = readSettings(Math.min(maxResultBytes, WHOLE_READ_BYTES_MAX), this.maxReadMemoryBytes);
    this.wholeReadIsFinal = maxResultBytes <= WHOLE_READ_BYTES_MAX;
    this.markCacheBytes = options.markCacheBytes ?? DEFAULT_MARK_CACHE_BYTES;
    if (!(Number.isSafeInteger(this.markCacheBytes) && this.markCacheBytes > 0)) throw new Error('chdb mark cache size must be a positive integer');
  }

  private readonly markCacheBytes: number;

  private staged = 0;

  open(): void {
    if (this.writer) return;
    rmSync(this.options.stagingDir, { recursive: true, force: true });
    mkdirSync(this.options.stagingDir, { recursive: true });
    this.writer = new Connection(connect(this.options.dir, this.markCacheBytes));
    this.readers = Array.from({ length: this.readConnections }, () => new Connection(connect(this.options.dir, this.markCacheBytes)));
  }

  close(): void {
    const connections = [...this.readers, ...(this.writer ? [this.writer] : [])];
    this.writer = null;
    this.readers = [];
    for (const connection of connections) connection.session.close();
  }

  private get live(): Session {
    if (!this.writer) throw new InternalError('chdb session is closed');
    return this.writer.session;
  }

  /** The read connection with the fewest reads running (the first of equals). */
  private reader(): Connection {
    if (!this.writer) throw new InternalError('chdb session is closed');
    let best = this.readers[0]!;
    for (const connection of this.readers) if (connection.inFlight < best.inFlight) best = connection;
    return best;
  }

  /**
   * Runs a SELECT and returns columns, types and rows (values as JSONCompact gives them). The
   * answer streams from chDB in Native format (columnar, what chDB holds in memory, far cheaper
   * to write and decode than JSON), a block at a time: each block is reserved from the query's
   * memory budget before it is decoded, so a read too large stops chDB early instead of being
   * held whole, and other requests run between blocks. A result with a type the Native decoder
   * does not know is read again as JSONCompact. `sql` must not carry its own SETTINGS clause.
   */
  async query(sql: string, options: ReadOptions = {}): Promise<SqlResult> {
    let columns: readonly string[] = [];
    let types: readonly string[] = [];
    const pieces: Array<SqlResult['rows']> = [];
    let count = 0;
    let reservedBytes = 0;
    try {
      for await (const piece of this.queryPieces(sql, options)) {
        if (pieces.length === 0) ({ columns, types } = piece);
        pieces.push(piece.rows);
        count += piece.rows.length;
        reservedBytes += piece.reservedBytes ?? 0;
      }
    } catch (error) {
      options.memory?.release(reservedBytes);
      throw error;
    }
    if (pieces.length === 1) return { columns, types, rows: pieces[0]!, reservedBytes };
    const rows = new Array<readonly unknown[]>(count);
    let at = 0;
    for (const piece of pieces) for (const row of piece) rows[at++] = row;
    return { columns, types, rows, reservedBytes };
  }

  /**
   * query(), handed over a piece at a time (a Native block each, in order; an answer of up to
   * WHOLE_READ_BYTES_MAX and a JSONCompact fallback come whole): the caller shapes and writes
   * rows while chDB makes the next block.
   * Each piece's rows are reserved from `options.memory` and belong to the caller from then on.
   * The read keeps its connection until the caller is done with the pieces (or stops early).
   */
  async *queryPieces(sql: string, options: ReadOptions = {}): AsyncGenerator<SqlResult, void, undefined> {
    const connection = this.reader();
    connection.inFlight++;
    const done = await connection.take();
    try {
      options.signal?.throwIfAborted();
      const shape = statementShape(sql);
      const knownLarge = this.largeShapes.delete(shape);
      const whole = knownLarge ? 'stream' : await this.wholeRead(connection, sql, options);
      if (typeof whole === 'object') {
        if (whole.answer !== null) yield whole.answer;
        return;
      }
      if (whole === 'stream') this.rememberLarge(shape);
      for (let attempt = 0; whole === 'stream' && attempt < NATIVE_ATTEMPTS; attempt++) {
        let handedOver = false;
        try {
          const streamed = { bytes: 0 };
          for await (const piece of this.nativePieces(connection, sql, options, streamed)) {
            handedOver = true;
            yield piece;
          }
          if (streamed.bytes <= WHOLE_READ_BYTES_MAX) this.largeShapes.delete(shape);
          return;
        } catch (error) {
          if (!handedOver && error instanceof UnsupportedNativeType) break;
          // A leftover of an earlier failure ahead of this answer: drained now, read again.
          if (!handedOver && error instanceof RangeError && !connection.leftoverPossible && attempt < NATIVE_ATTEMPTS - 1) {
            connection.leftoverPossible = true;
            continue;
          }
          throw error;
        }
      }
      const text = (await this.read(connection, sql, options.signal)).text();
      if (text.length === 0) return;
      const parsed = parseJsonCompact(text);
      const bytes = estimateRowsBytes(parsed.data.length, parsed.meta.length, text.length);
      options.memory?.reserve(bytes);
      yield { columns: parsed.meta.map((m) => m.name), types: parsed.meta.map((m) => m.type), rows: parsed.data, reservedBytes: bytes };
    } finally {
      done();
      connection.inFlight--;
    }
  }

  /** Whole reads that stopped at WHOLE_READ_BYTES_MAX and were read again as streams, since open. */
  get wholeReadOverflows(): number {
    return this.wholeReadOverflowCount;
  }

  private rememberLarge(shape: string): void {
    this.largeShapes.delete(shape);
    this.largeShapes.set(shape, true);
    if (this.largeShapes.size > LARGE_SHAPES_MAX) this.largeShapes.delete(this.largeShapes.keys().next().value!);
  }

  /**
   * Reads an answer of up to WHOLE_READ_BYTES_MAX whole in Native format, on chdb's thread, and
   * decodes it as nativePieces would (reserving from the lease first). A larger answer, or bytes
   * that are an earlier failure's leftover, are read again as a stream; a type the decoder does
   * not know, as JSONCompact.
   */
  private async wholeRead(connection: Connection, sql: string, options: ReadOptions): Promise<WholeRead> {
    await this.drainLeftover(connection);
    let bytes: Uint8Array;
    try {
      // No signal: chdb would settle an aborted read at once while the statement runs on, and the
      // connection would look free to the next read. As with a stream's running fetch, an abort
      // takes effect once chDB is done (a whole read's answer is small; its work may not be).
      bytes = (await connection.session.queryAsync(sql + this.wholeReadSettings, { format: 'Native' })).bytes();
    } catch (error) {
      if (this.wholeReadIsFinal || !isResultTooLarge(error)) throw this.readFailed(connection, error, options.memory);
      connection.leftoverPossible = true;
      this.wholeReadOverflowCount++;
      return 'stream';
    }
    options.signal?.throwIfAborted();
    if (bytes.length === 0) return { answer: null };
    const builder = new NativeResultBuilder({ bigIntegers: options.bigIntegers === true });
    let reserved = 0;
    const reserve = (count: number): void => {
      options.memory?.reserve(count);
      reserved += count;
    };
    try {
      reserve(bytes.length);
      for (const _ of builder.blocks(bytes, (rows, columns) => reserve(estimateRowsBytes(rows, columns)))) {
        await eventLoopTurns.next();
        options.signal?.throwIfAborted();
      }
    } catch (error) {
      options.memory?.release(reserved);
      if (error instanceof UnsupportedNativeType) return 'json';
      // A leftover of an earlier failure ahead of this answer: drained, then read as a stream.
      if (error instanceof RangeError && !connection.leftoverPossible) {
        connection.leftoverPossible = true;
        return 'stream';
      }
      throw error;
    }
    return { answer: { ...builder.takeRows(), reservedBytes: reserved } };
  }

  /**
   * Streams one read in Native format, a piece per block. chDB makes the next block while this
   * one is decoded and handed over; the event loop gets turns while a block's rows are built.
   */
  private async *nativePieces(connection: Connection, sql: string, options: ReadOptions, streamed: { bytes: number }): AsyncGenerator<SqlResult, void, undefined> {
    await this.drainLeftover(connection);
    const memory = options.memory;
    let stream: ChdbStream;
    try {
      stream = connection.session.queryStream(sql + this.readSettings, { format: 'Native', ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw this.readFailed(connection, error, memory);
    }
    const builder = new NativeResultBuilder({ bigIntegers: options.bigIntegers === true });
    const chunks = stream[Symbol.asyncIterator]();
    // A prefetch may fail (abort, chDB error) before it is awaited: marked handled at once.
    const fetchNext = (): Promise<IteratorResult<{ raw(): Uint8Array }>> => {
      const fetched = chunks.next();
      fetched.catch(() => undefined);
      return fetched;
    };
    let next = fetchNext();
    let reserved = 0;
    const reserve = (bytes: number): void => {
      memory?.reserve(bytes);
      reserved += bytes;
    };
    try {
      for (;;) {
        let step: IteratorResult<{ raw(): Uint8Array }>;
        try {
          step = await next;
        } catch (error) {
          throw this.readFailed(connection, error, memory);
        }
        if (step.done === true) return;
        const bytes = step.value.raw();
        streamed.bytes += bytes.length;
        next = fetchNext();
        // Strings and the block's own bytes, then each block's rows before they are built.
        reserve(bytes.length);
        for (const _ of builder.blocks(bytes, (rows, columns) => reserve(estimateRowsBytes(rows, columns)))) {
          await eventLoopTurns.next();
          options.signal?.throwIfAborted();
        }
        const piece = { ...builder.takeRows(), reservedBytes: reserved };
        reserved = 0;
        yield piece;
      }
    } catch (error) {
      memory?.release(reserved);
      throw error;
    } finally {
      // chdb defers a cancel behind a fetch still running and would then end the connection's
      // next stream instead: the connection is handed on only once the prefetch has settled.
      await next.then(
        () => undefined,
        () => undefined,
      );
      stream.cancel();
    }
  }

  /** A failed chDB read as the error its caller reports: result size and memory limits made clear. */
  private readFailed(connection: Connection, error: unknown, memory: MemoryLease | undefined): unknown {
    connection.leftoverPossible = true;
    if (isResultTooLarge(error)) {
      const limit = this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
      return new LimitExceededError(`max-result-size limit exceeded: the result is larger than ${limit} bytes; narrow the time range, select fewer fields or add a LIMIT`);
    }
    if (isMemoryLimit(error)) {
      const message = `max-query-memory limit exceeded: the query needs more than the ${(this.maxReadMemoryBytes / (1024 * 1024)).toFixed(1)} MiB one read may use in storage (query.max_memory / query.read_connections); narrow the time range, select fewer series or fields, or use a coarser GROUP BY time()`;
      return memory !== undefined ? memory.refuse(message) : new QueryMemoryExceededError(message);
    }
    return error;
  }

  private async read(connection: Connection, sql: string, signal: AbortSignal | undefined): Promise<ChdbResult> {
    await this.drainLeftover(connection);
    try {
      return await connection.session.queryAsync(sql + this.readSettings, { format: 'JSONCompact', ...(signal ? { signal } : {}) });
    } catch (error) {
      throw this.readFailed(connection, error, undefined);
    }
  }

  /**
   * chdb hands the output a query wrote before it failed mid-stream to the connection's next
   * query, ahead of that query's own answer. A binary answer cannot be told apart from such a
   * leftover, so after a failure a throwaway query takes it.
   */
  private async drainLeftover(connection: Connection): Promise<void> {
    if (!connection.leftoverPossible) return;
    connection.leftoverPossible = false;
    try {
      await connection.session.queryAsync('SELECT 1', { format: 'Null' });
    } catch {
      // The read that follows fails to decode and is done again, at last as JSONCompact.
      connection.leftoverPossible = true;
    }
  }

  /**
   * Has chDB's jemalloc give freed pages back to the OS now rather than after its decay time
   * (an insert burst leaves hundreds of MiB of them). Runs on the insert connection.
   */
  async purgeAllocator(): Promise<void> {
    await this.live.queryAsync('SYSTEM JEMALLOC PURGE', { format: 'TSV' });
  }

  /** Runs a statement whose output is ignored (DDL, mutations). */
  async exec(sql: string): Promise<void> {
    await this.live.queryAsync(sql, { format: 'TSV' });
  }

  /**
   * Bulk insert of a RowBinary payload; one call becomes one MergeTree part. chdb's insert API
   * takes text formats only, so the payload is staged as a file and read with file(): binary
   * rows spare JS the per-value text formatting that dominated flush time.
   */
  async insertRowBinary(target: string, columns: readonly string[], structure: string, payload: Buffer): Promise<void> {
    const path = this.stagingPath();
    await writeFile(path, payload);
    await this.insertStagedFile(target, columns, structure, path);
  }

  /** A fresh file name in the staging directory. */
  stagingPath(): string {
    return join(this.options.stagingDir, `insert-${process.pid}-${++this.staged}.rowbinary`);
  }

  get stagingDir(): string {
    return this.options.stagingDir;
  }

  /**
   * Inserts a staged RowBinary file (written by this process or its flush encoder) and removes it.
   * Its rows must hold no key twice (insert-encoder.ts never writes one twice), so ClickHouse is
   * spared merging the block's own rows (optimize_on_insert = 0): about half of the insert's CPU
   * (bench/chdb-insert-cost.ts).
   */
  async insertStagedFile(target: string, columns: readonly string[], structure: string, path: string): Promise<void> {
    try {
      await this.live.queryAsync(
        `INSERT INTO ${target} (${columns.join(', ')}) SELECT * FROM file(${quoteString(path)}, 'RowBinary', ${quoteString(structure)})` +
          ' SETTINGS max_partitions_per_insert_block = 100000, throw_on_max_partitions_per_insert_block = 0, optimize_on_insert = 0',
        { format: 'TSV' },
      );
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  /**
   * Runs a read on the insert connection and returns its raw answer in `format` (a table copy for
   * another node: Native bytes travel as they are). The caller bounds the answer with LIMIT.
   */
  async readRaw(sql: string, format: string): Promise<Buffer> {
    const result = await this.live.queryAsync(sql, { format });
    const bytes = result.bytes();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Inserts a staged file in a self-describing format (Native) into `columns` of `target`, then removes it. */
  async insertFormattedFile(target: string, columns: readonly string[], path: string, format: string): Promise<void> {
    try {
      await this.live.queryAsync(
        `INSERT INTO ${target} (${columns.join(', ')}) SELECT * FROM file(${quoteString(path)}, ${quoteString(format)})` +
          ' SETTINGS max_partitions_per_insert_block = 100000, throw_on_max_partitions_per_insert_block = 0',
        { format: 'TSV' },
      );
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }
}
