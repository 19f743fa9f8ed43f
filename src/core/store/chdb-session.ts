// The one place that imports chdb: an embedded ClickHouse session on a data directory.
// Everything runs through the async API so a slow query never blocks writes or /ping.

import { Session } from 'chdb';
import type { SqlResult } from '../query/query-port.js';
import { InternalError } from '../errors.js';

export interface ChdbSessionOptions {
  readonly dir: string;
}

interface JsonCompact {
  meta: Array<{ name: string; type: string }>;
  data: unknown[][];
}

/** ClickHouse settings for every read: exact 64-bit integers in JSON. */
const READ_SETTINGS = ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1';

export class ChdbSession {
  private session: Session | null = null;

  constructor(private readonly options: ChdbSessionOptions) {}

  open(): void {
    if (this.session) return;
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

  /** Bulk insert of a TSV payload; one call becomes one MergeTree part. */
  async insertTsv(table: string, columns: readonly string[], payload: Buffer): Promise<number> {
    const summary = await this.live.insert({
      table,
      format: 'TSV',
      columns,
      values: payload,
      settings: { max_partitions_per_insert_block: 100_000, throw_on_max_partitions_per_insert_block: 0 },
    });
    return summary.rowsWritten;
  }
}
