// The one place that imports chdb: an embedded ClickHouse session on a data directory.
// Everything runs through the async API so a slow query never blocks writes or /ping.

import { Session } from 'chdb';
import { mkdirSync, rmSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteString } from './naming.js';
import type { SqlResult } from '../query/query-port.js';
import { InternalError } from '../errors.js';

export interface ChdbSessionOptions {
  readonly dir: string;
  /** Where insert payloads are staged as files for chDB to read (emptied on open). */
  readonly stagingDir: string;
}

interface JsonCompact {
  meta: Array<{ name: string; type: string }>;
  data: unknown[][];
}

/**
 * ClickHouse settings for every read: exact 64-bit integers in JSON. FINAL never merges across
 * partitions: the partition key is a function of `time`, which is in the sort key, so rows that
 * merge always share a partition, and a partition holding one merged part is read unmerged.
 */
const READ_SETTINGS =
  ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1, do_not_merge_across_partitions_select_final=1';

export class ChdbSession {
  private session: Session | null = null;

  constructor(private readonly options: ChdbSessionOptions) {}

  private staged = 0;

  open(): void {
    if (this.session) return;
    rmSync(this.options.stagingDir, { recursive: true, force: true });
    mkdirSync(this.options.stagingDir, { recursive: true });
    this.session = new Session(this.options.dir, { installSignalHandlers: false });
  }

  close(): void {
    const session = this.session;
    this.session = null;
    session?.close();
  }

  private get live(): Session {
    if (!this.session) throw new InternalError('chdb session is closed');
    return this.session;
  }

  /** Runs a SELECT and returns columns, types and rows. `sql` must not carry its own SETTINGS clause. */
  async query(sql: string, options: { readonly signal?: AbortSignal } = {}): Promise<SqlResult> {
    const result = await this.live.queryAsync(sql + READ_SETTINGS, {
      format: 'JSONCompact',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = result.text();
    if (text.length === 0) return { columns: [], types: [], rows: [] };
    const parsed = JSON.parse(text) as JsonCompact;
    return { columns: parsed.meta.map((m) => m.name), types: parsed.meta.map((m) => m.type), rows: parsed.data };
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
}
