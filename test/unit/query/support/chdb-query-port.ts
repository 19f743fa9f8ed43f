// A QueryPort over a real chDB session for query-layer tests: an in-memory schema, tables in
// the engine's physical layout, rows inserted with SQL. One session per test file (chdb rule).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import type { DatabaseView, MeasurementView, RetentionPolicyInfo, SchemaView } from '../../../../src/core/meta/schema-view.js';
import type { FieldType, Point } from '../../../../src/core/model/point.js';
import type { MetaCommand, QueryPort, ReadScope, SqlResult } from '../../../../src/core/query/execute/query-port.js';
import { chDatabaseName, fieldStorageColumn, qualifiedTable, quoteIdent, quoteString, tagColumn } from '../../../../src/core/store/naming.js';
import { fieldStorageType } from '../../../../src/core/store/field-types.js';

const READ_SETTINGS = ' SETTINGS output_format_json_quote_64bit_integers=1, output_format_json_quote_denormals=1';

/** The engine's read contract (JSONCompact, quoted 64-bit ints) on a raw chdb Session. */
class TestSession {
  private readonly session: Session;

  constructor(dir: string) {
    this.session = new Session(dir, { installSignalHandlers: false });
  }

  open(): void {}

  close(): void {
    this.session.close();
  }

  async query(sql: string): Promise<SqlResult> {
    const text = (await this.session.queryAsync(sql + READ_SETTINGS, { format: 'JSONCompact' })).text();
    if (text.length === 0) return { columns: [], types: [], rows: [] };
    const parsed = JSON.parse(text) as { meta: Array<{ name: string; type: string }>; data: unknown[][] };
    return { columns: parsed.meta.map((m) => m.name), types: parsed.meta.map((m) => m.type), rows: parsed.data };
  }

  async exec(sql: string): Promise<void> {
    await this.session.queryAsync(sql, { format: 'TSV' });
  }
}

interface MutableMeasurement {
  name: string;
  tagKeys: string[];
  fieldTypes: Map<string, FieldType>;
}

interface MutableDb {
  name: string;
  defaultRetentionPolicy: string;
  retentionPolicies: RetentionPolicyInfo[];
  data: Map<string, Map<string, MutableMeasurement>>;
}

export interface TestRow {
  readonly timeNs: bigint;
  readonly tags?: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | bigint | string | boolean>>;
}

function view(db: MutableDb): DatabaseView {
  const list = (rp: string): MeasurementView[] => [...(db.data.get(rp)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    name: db.name,
    defaultRetentionPolicy: db.defaultRetentionPolicy,
    retentionPolicies: db.retentionPolicies,
    measurements: list,
    measurement: (rp, name) => db.data.get(rp)?.get(name),
  };
}

export class ChdbQueryPort implements QueryPort {
  readonly dir = mkdtempSync(join(tmpdir(), 'hb-query-test-'));
  readonly session = new TestSession(this.dir);
  readonly dbs = new Map<string, MutableDb>();
  readonly commands: MetaCommand[] = [];
  readonly written: Array<{ db: string; rp: string; points: readonly Point[] }> = [];
  readonly sqlLog: string[] = [];
  now = 10_000_000_000_000n;
  private lastVersion = 0;

  readonly schema: SchemaView = {
    databaseNames: () => [...this.dbs.keys()],
    database: (name) => {
      const db = this.dbs.get(name);
      return db === undefined ? undefined : view(db);
    },
  };

  constructor() {
    this.session.open();
  }

  close(): void {
    this.session.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async runSql(sql: string): Promise<SqlResult> {
    this.sqlLog.push(sql);
    return this.session.query(sql);
  }

  /** Rows per piece of streamSql (the engine hands over a Native block at a time); 0: one piece. */
  pieceRows = 0;
  /** Pieces handed over by streamSql. */
  piecesRead = 0;

  async *streamSql(sql: string): AsyncGenerator<SqlResult> {
    const whole = await this.runSql(sql);
    const size = this.pieceRows > 0 ? this.pieceRows : Math.max(1, whole.rows.length);
    for (let start = 0; start < whole.rows.length; start += size) {
      this.piecesRead++;
      yield { ...whole, rows: whole.rows.slice(start, start + size) };
    }
  }

  async ensureFlushed(): Promise<void> {}

  /** Tests insert straight into chDB, past any duplicate tracking: every read merges with FINAL. */
  readScope(): ReadScope {
    return { needsFinal: () => true, stillValid: () => true };
  }

  async applyMetaCommand(command: MetaCommand): Promise<void> {
    this.commands.push(command);
    if (command.kind === 'create-database' && !this.dbs.has(command.name)) this.createDatabase(command.name, command.rp?.name ?? 'autogen');
    if (command.kind === 'drop-database') this.dbs.delete(command.name);
  }

  async writePoints(db: string, rp: string, points: readonly Point[]): Promise<number> {
    this.written.push({ db, rp, points });
    return points.length;
  }

  nowNs(): bigint {
    return this.now;
  }

  createDatabase(name: string, rp = 'autogen'): void {
    this.dbs.set(name, {
      name,
      defaultRetentionPolicy: rp,
      retentionPolicies: [{ name: rp, durationNs: 0n, shardGroupDurationNs: 604_800_000_000_000n, replicaN: 1 }],
      data: new Map([[rp, new Map()]]),
    });
  }

  /** Creates (or widens) a measurement's table and registers it in the schema. */
  async defineMeasurement(db: string, rp: string, name: string, tagKeys: readonly string[], fields: Readonly<Record<string, FieldType>>): Promise<void> {
    const database = this.dbs.get(db);
    if (database === undefined) throw new Error(`no db ${db}`);
    let perRp = database.data.get(rp);
    if (perRp === undefined) {
      perRp = new Map();
      database.data.set(rp, perRp);
    }
    await this.session.exec(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(chDatabaseName(db, rp))}`);
    const cols = [
      "`time` DateTime64(9, 'UTC')",
      '`_series` String',
      ...tagKeys.map((k) => `${quoteIdent(tagColumn(k))} LowCardinality(String)`),
      ...Object.entries(fields).map(([k, t]) => `${quoteIdent(fieldStorageColumn(k))} ${fieldStorageType(t)}`),
    ];
    await this.session.exec(
      `CREATE TABLE IF NOT EXISTS ${qualifiedTable(db, rp, name)} (${cols.join(', ')}) ENGINE = AggregatingMergeTree PARTITION BY toMonday(time) ORDER BY (\`_series\`, \`time\`) SETTINGS allow_dimensions_outside_sorting_key = 1`,
    );
    perRp.set(name, { name, tagKeys: [...tagKeys].sort(), fieldTypes: new Map(Object.entries(fields)) });
  }

  async insert(db: string, rp: string, name: string, rows: readonly TestRow[]): Promise<void> {
    const m = this.dbs.get(db)?.data.get(rp)?.get(name);
    if (m === undefined) throw new Error(`no measurement ${name}`);
    const fieldKeys = [...m.fieldTypes.keys()];
    const version = ++this.lastVersion;
    const columns = ['time', '_series', ...m.tagKeys.map(tagColumn), ...fieldKeys.map(fieldStorageColumn)].map(quoteIdent);
    const values = rows.map((row) => {
      const tags = m.tagKeys.filter((k) => (row.tags?.[k] ?? '') !== '');
      const series = [name, ...tags.map((k) => `${k}=${row.tags?.[k] ?? ''}`)].join(',');
      const cells = [
        `fromUnixTimestamp64Nano(toInt64(${row.timeNs}), 'UTC')`,
        quoteString(series),
        ...m.tagKeys.map((k) => quoteString(row.tags?.[k] ?? '')),
        ...fieldKeys.map((k) => {
          const v = row.fields[k];
          // (version, value): each insert writes a higher version, so a later one overwrites.
          if (v === undefined) return '(0, NULL)';
          return `(${version}, ${typeof v === 'string' ? quoteString(v) : String(v)})`;
        }),
      ];
      return `(${cells.join(', ')})`;
    });
    await this.session.exec(`INSERT INTO ${qualifiedTable(db, rp, name)} (${columns.join(', ')}) VALUES ${values.join(', ')}`);
  }
}
