// The one place that imports chdb: an embedded ClickHouse session on a data directory.
// Everything runs through the async API so a slow query never blocks writes or /ping.

import { Session } from 'chdb';
import { mkdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteString } from './naming.js';
import type { SqlResult } from '../query/execute/query-port.js';
import { InternalError, LimitExceededError } from '../errors.js';
import { decodeNative, decodeNativeYielding, UnsupportedNativeType } from './native-decoder.js';

type ChdbResult = Awaited<ReturnType<Session['queryAsync']>>;

/** Answers larger than this are decoded a block at a time, letting other requests run between. */
const YIELDING_DECODE_BYTES = 1024 * 1024;

/** Native reads of one statement before it falls back to self-delimiting JSONCompact. */
const NATIVE_ATTEMPTS = 3;

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
}

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
function readSettings(maxResultBytes: number): string {
  return (
    ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1, do_not_merge_across_partitions_select_final=1' +
    `, max_result_bytes=${maxResultBytes}, result_overflow_mode='throw'`
  );
}

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

/** One chdb connection and what the session knows of its state. */
class Connection {
  /** Set when a query failed: its partial output may be waiting in front of the next answer. */
  leftoverPossible = false;
  failures = 0;
  /** Reads started on this connection and not yet done. */
  inFlight = 0;

  constructor(readonly session: Session) {}
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
  private readonly readConnections: number;

  constructor(private readonly options: ChdbSessionOptions) {
    const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    if (!(Number.isInteger(maxResultBytes) && maxResultBytes > 0)) throw new Error('chdb max result bytes must be a positive integer');
    this.readConnections = options.readConnections ?? DEFAULT_READ_CONNECTIONS;
    if (!(Number.isInteger(this.readConnections) && this.readConnections >= 1)) throw new Error('chdb read connections must be an integer >= 1');
    this.readSettings = readSettings(maxResultBytes);
  }

  private staged = 0;

  open(): void {
    if (this.writer) return;
    rmSync(this.options.stagingDir, { recursive: true, force: true });
    mkdirSync(this.options.stagingDir, { recursive: true });
    this.writer = new Connection(new Session(this.options.dir, { installSignalHandlers: false }));
    this.readers = Array.from({ length: this.readConnections }, () => new Connection(new Session(this.options.dir, { installSignalHandlers: false })));
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
   * answer travels in Native format, which chDB writes and we decode far cheaper than JSON; a
   * result with a type the Native decoder does not know is read again as JSONCompact. `sql` must
   * not carry its own SETTINGS clause.
   */
  async query(sql: string, options: { readonly signal?: AbortSignal } = {}): Promise<SqlResult> {
    const connection = this.reader();
    connection.inFlight++;
    try {
      return await this.queryOn(connection, sql, options.signal);
    } finally {
      connection.inFlight--;
    }
  }

  private async queryOn(connection: Connection, sql: string, signal: AbortSignal | undefined): Promise<SqlResult> {
    for (let attempt = 0; attempt < NATIVE_ATTEMPTS; attempt++) {
      const failuresBefore = connection.failures;
      const native = await this.read(connection, sql, 'Native', signal);
      // Another query failed while this one waited: its leftover may sit in front of this answer.
      if (connection.failures !== failuresBefore) continue;
      try {
        const bytes = native.bytes();
        return bytes.length > YIELDING_DECODE_BYTES ? await decodeNativeYielding(bytes) : decodeNative(bytes);
      } catch (error) {
        if (!(error instanceof UnsupportedNativeType)) throw error;
        break;
      }
    }
    const text = (await this.read(connection, sql, 'JSONCompact', signal)).text();
    if (text.length === 0) return { columns: [], types: [], rows: [] };
    const parsed = parseJsonCompact(text);
    return { columns: parsed.meta.map((m) => m.name), types: parsed.meta.map((m) => m.type), rows: parsed.data };
  }

  private async read(connection: Connection, sql: string, format: 'Native' | 'JSONCompact', signal: AbortSignal | undefined): Promise<ChdbResult> {
    await this.drainLeftover(connection);
    try {
      return await connection.session.queryAsync(sql + this.readSettings, { format, ...(signal ? { signal } : {}) });
    } catch (error) {
      connection.leftoverPossible = true;
      connection.failures++;
      if (!isResultTooLarge(error)) throw error;
      const limit = this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
      throw new LimitExceededError(`max-result-size limit exceeded: the result is larger than ${limit} bytes; narrow the time range, select fewer fields or add a LIMIT`);
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
      // Counted as a failure: the read that follows is done again, at last as JSONCompact.
      connection.leftoverPossible = true;
      connection.failures++;
    }
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

  /** Inserts a staged RowBinary file (written by this process or its flush encoder) and removes it. */
  async insertStagedFile(target: string, columns: readonly string[], structure: string, path: string): Promise<void> {
    try {
      await this.live.queryAsync(
        `INSERT INTO ${target} (${columns.join(', ')}) SELECT * FROM file(${quoteString(path)}, 'RowBinary', ${quoteString(structure)})` +
          ' SETTINGS max_partitions_per_insert_block = 100000, throw_on_max_partitions_per_insert_block = 0',
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
