// Where chDB's insert CPU goes: 1M TSBS cpu rows in our RowBinary layout, inserted through our
// session into our table layout, then left to merge; process CPU per point for both, per variant.
// Knobs: POINTS (1,000,000), INSERT_POINTS (points per insert, 100,000), VARIANTS (names, comma
// separated; all by default), ROUNDS (each variant this many times, interleaved; 1), SETTLE_S
// (seconds without a merge that count as settled; 12). Then OPTIMIZE FINAL's CPU, apart.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLineProtocol } from '../src/core/lineprotocol/index.js';
import type { Point } from '../src/core/model/point.js';
import { ChdbSession } from '../src/core/store/chdb-session.js';
import { createNamedTableSql, fieldColumnGroup, tagColumnGroup, type ColumnGroup } from '../src/core/store/ddl.js';
import { encodeInsert, type EncodedInsert } from '../src/core/store/insert-encoder.js';
import { fieldStorageColumn, quoteIdent, quoteString } from '../src/core/store/naming.js';
import { pointFieldTypes } from '../src/core/flush/table-batches.js';
import { cpuFields, tsbsCpuBatches } from './tsbs-data.js';

const POINTS = Number(process.env.POINTS ?? 1_000_000);
const INSERT_POINTS = Number(process.env.INSERT_POINTS ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 1);
const SETTLE_S = Number(process.env.SETTLE_S ?? 12);
const HOSTS = 100;
const BATCH_LINES = 5000;

interface Variant {
  readonly name: string;
  readonly what: string;
  /** Tag columns carry the set(128) skip index. */
  readonly indexes?: boolean;
  /** Extra MergeTree table settings (`name = value, …`). */
  readonly tableSettings?: string;
  /** Extra INSERT settings (`name = value, …`). */
  readonly insertSettings?: string;
  /** Points per insert, when not INSERT_POINTS. */
  readonly insertPoints?: number;
  /** Rows in the table's sort key order (the encoder's), else time-major as main's encoder wrote them. */
  readonly sorted: boolean;
  /** The file() structure names `_series` and tag columns LowCardinality(String). */
  readonly lowCardinalityStructure?: boolean;
  /** Changes the CREATE TABLE statement (column types). */
  readonly rewriteDdl?: (sql: string) => string;
}

const BRANCH = { sorted: true, insertSettings: 'optimize_on_insert = 0' } as const;

/** main's layout and settings, this branch's, and single changes on top of this branch's. */
const VARIANTS: readonly Variant[] = [
  { name: 'main', what: 'rows time-major (first appearance), optimize_on_insert = 1: main before this work', sorted: false },
  { name: 'sorted', what: 'rows in sort key order (_series, time)', sorted: true },
  { name: 'no-optimize', what: 'rows time-major, optimize_on_insert = 0', sorted: false, insertSettings: 'optimize_on_insert = 0' },
  { name: 'branch', what: 'sorted rows and optimize_on_insert = 0 (this branch)', ...BRANCH },
  { name: 'no-index', what: 'branch without the set(128) skip indexes', ...BRANCH, indexes: false },
  { name: 'bigger-inserts', what: `branch, 4x points per insert (${INSERT_POINTS * 4})`, ...BRANCH, insertPoints: INSERT_POINTS * 4 },
  { name: 'compact-parts', what: 'branch, compact parts (min_bytes_for_wide_part = 1 GiB)', ...BRANCH, tableSettings: 'min_bytes_for_wide_part = 1073741824, min_rows_for_wide_part = 100000000' },
  { name: 'wide-parts', what: 'branch, always wide parts (min_bytes_for_wide_part = 0)', ...BRANCH, tableSettings: 'min_bytes_for_wide_part = 0' },
  { name: 'insert-threads', what: 'branch, max_insert_threads = 2', ...BRANCH, insertSettings: `${BRANCH.insertSettings}, max_insert_threads = 2` },
  { name: 'no-squash', what: 'branch, min_insert_block_size_rows/bytes = 0', ...BRANCH, insertSettings: `${BRANCH.insertSettings}, min_insert_block_size_rows = 0, min_insert_block_size_bytes = 0` },
  { name: 'series-string', what: 'branch, `_series` String, not LowCardinality', ...BRANCH, rewriteDdl: (sql) => sql.replace('`_series` LowCardinality(String)', '`_series` String') },
  { name: 'tags-string', what: 'branch, tag columns String, not LowCardinality', ...BRANCH, rewriteDdl: (sql) => sql.replace(/(`t_[^`]*`) LowCardinality\(String\)/g, '$1 String') },
  { name: 'lc-structure', what: 'branch, file() reads _series and tags as LowCardinality(String)', ...BRANCH, lowCardinalityStructure: true },
  { name: 'time-codec', what: 'branch, `time` CODEC(DoubleDelta, LZ4)', ...BRANCH, rewriteDdl: (sql) => sql.replace('CODEC(Delta(8), LZ4)', 'CODEC(DoubleDelta, LZ4)') },
];

/** The session's insert settings on main (chdb-session.ts insertStagedFile), below every variant's. */
const SESSION_INSERT_SETTINGS = 'max_partitions_per_insert_block = 100000, throw_on_max_partitions_per_insert_block = 0';

function parseAll(): Array<{ points: Point[]; version: bigint }> {
  const batches: Array<{ points: Point[]; version: bigint }> = [];
  let version = 1_000_000n;
  for (const lines of tsbsCpuBatches({ hosts: HOSTS, points: POINTS, seed: 7 }, BATCH_LINES)) {
    const { points, errors } = parseLineProtocol(lines.join('\n'), { precision: 'ms', nowNs: 0n });
    if (errors.length > 0) throw new Error(`tsbs data does not parse: ${JSON.stringify(errors[0])}`);
    batches.push({ points, version: version++ });
  }
  return batches;
}

/** Encodes the batches into inserts of about `insertPoints` points each, as the flush would. */
function encodeInserts(batches: ReadonlyArray<{ points: Point[]; version: bigint }>, insertPoints: number, sorted: boolean): EncodedInsert[] {
  const inserts: EncodedInsert[] = [];
  for (let start = 0; start < batches.length; ) {
    const points: Point[] = [];
    const versions: bigint[] = [];
    const entryEnds: number[] = [];
    for (; start < batches.length && (points.length === 0 || points.length + batches[start]!.points.length <= insertPoints); start++) {
      for (const point of batches[start]!.points) {
        points.push(point);
        versions.push(batches[start]!.version);
      }
      entryEnds.push(points.length);
    }
    const encoded = encodeInsert({ points, versions, entryEnds }, pointFieldTypes(points));
    inserts.push(sorted ? encoded : { ...encoded, payload: timeMajor(encoded) });
  }
  return inserts;
}

/**
 * The encoder's rows reordered time-major, as main's encoder wrote them (in order of first
 * appearance: one row per series per timestamp). Knows only this data's row shape: an Int64, 11
 * strings, 10 (UInt64, Nullable(Float64)) of which none is NULL.
 */
function timeMajor(encoded: EncodedInsert): Buffer {
  const payload = encoded.payload;
  const rows: Array<{ time: bigint; start: number; end: number }> = [];
  for (let o = 0; o < payload.length; ) {
    const start = o;
    const time = payload.readBigInt64LE(o);
    o += 8;
    for (let s = 0; s < 1 + encoded.tagKeys.length; s++) {
      let length = 0;
      let shift = 0;
      for (;;) {
        const b = payload[o++]!;
        length |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      o += length;
    }
    for (let f = 0; f < encoded.fields.length; f++) {
      if (payload[o + 8] !== 0) throw new Error('timeMajor: a NULL field; this bench data has none');
      o += 17;
    }
    rows.push({ time, start, end: o });
  }
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return Buffer.concat(rows.map((row) => payload.subarray(row.start, row.end)));
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function settle(session: ChdbSession, db: string): Promise<{ parts: number; waitedMs: number }> {
  const started = performance.now();
  let lastParts = -1;
  let quiet = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const result = await session.query(
      `SELECT (SELECT count() FROM system.merges WHERE database = ${quoteString(db)}) AS merges, (SELECT count() FROM system.parts WHERE database = ${quoteString(db)} AND active) AS parts`,
    );
    const [merges, parts] = (result.rows[0] ?? [0, 0]).map(Number) as [number, number];
    quiet = merges === 0 && parts === lastParts ? quiet + 1 : 0;
    lastParts = parts;
    // Quiet for SETTLE_S seconds: no merge running and the part count unchanged (chDB looks
    // for merges every few seconds, less often while it finds none).
    if (quiet >= SETTLE_S || performance.now() - started > 300_000) return { parts, waitedMs: performance.now() - started };
  }
}

interface Outcome {
  readonly variant: Variant;
  readonly inserts: number;
  readonly insertUs: number;
  readonly mergeUs: number;
  readonly optimizeUs: number;
  readonly partsAfterInsert: number;
  readonly partsSettled: number;
  readonly rows: number;
  readonly checksum: string;
  readonly bytesOnDisk: number;
}

async function runVariant(session: ChdbSession, variant: Variant, run: number, encoded: ReadonlyMap<string, EncodedInsert[]>): Promise<Outcome> {
  const db = `bench_${variant.name.replace(/-/g, '_')}_${run}`;
  const table = `\`${db}\`.\`m_cpu\``;
  const inserts = encoded.get(`${variant.insertPoints ?? INSERT_POINTS}/${variant.sorted === true}`)!;
  const first = inserts[0]!;
  const groups: ColumnGroup[] = [...first.tagKeys.map((key) => tagColumnGroup(key, variant.indexes ?? true)), ...first.fields.map(([key, type]) => fieldColumnGroup(key, type))];
  await session.exec(`CREATE DATABASE IF NOT EXISTS \`${db}\``);
  const ddl = createNamedTableSql(table, groups) + (variant.tableSettings ? `, ${variant.tableSettings}` : '');
  await session.exec(variant.rewriteDdl ? variant.rewriteDdl(ddl) : ddl);
  const settings = SESSION_INSERT_SETTINGS + (variant.insertSettings ? `, ${variant.insertSettings}` : '');
  const before = cpuMicros();
  for (const insert of inserts) {
    const path = session.stagingPath();
    await writeFile(path, insert.payload);
    const structure = variant.lowCardinalityStructure === true ? insert.structure.replace(/\b(_series|t_\w+) String\b/g, '$1 LowCardinality(String)') : insert.structure;
    await session.exec(`INSERT INTO ${db}.m_cpu (${insert.columns.join(', ')}) SELECT * FROM file(${quoteString(path)}, 'RowBinary', ${quoteString(structure)}) SETTINGS ${settings}`);
    await rm(path, { force: true });
  }
  const inserted = cpuMicros();
  const partsAfterInsert = Number((await session.query(`SELECT count() FROM system.parts WHERE database = ${quoteString(db)} AND active`)).rows[0]![0]);
  const mergeStart = cpuMicros();
  const { parts } = await settle(session, db);
  const merged = cpuMicros();
  await session.exec(`OPTIMIZE TABLE ${table} FINAL`);
  const optimized = cpuMicros();
  const sums = cpuFields.map((field) => `sum(tupleElement(${quoteIdent(fieldStorageColumn(field))}, 2))`).join(' + ');
  const check = (await session.query(`SELECT count(), toString(round(${sums}, 3)), uniqExact(_series, time) FROM ${table} FINAL`)).rows[0]!;
  const bytes = Number((await session.query(`SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ${quoteString(db)} AND active`)).rows[0]![0]);
  await session.exec(`DROP DATABASE \`${db}\` SYNC`);
  if (Number(check[0]) !== Number(check[2])) throw new Error(`${variant.name}: ${String(check[0])} rows but ${String(check[2])} keys`);
  return { variant, inserts: inserts.length, insertUs: inserted - before, mergeUs: merged - mergeStart, optimizeUs: optimized - merged, partsAfterInsert, partsSettled: parts, rows: Number(check[0]), checksum: String(check[1]), bytesOnDisk: bytes };
}

async function main(): Promise<void> {
  const chosen = process.env.VARIANTS ? process.env.VARIANTS.split(',') : null;
  const variants = chosen ? VARIANTS.filter((variant) => chosen.includes(variant.name)) : VARIANTS;
  if (variants.length === 0) throw new Error(`VARIANTS names none of: ${VARIANTS.map((variant) => variant.name).join(', ')}`);
  const batches = parseAll();
  const encoded = new Map<string, EncodedInsert[]>();
  for (const variant of variants) {
    const key = `${variant.insertPoints ?? INSERT_POINTS}/${variant.sorted === true}`;
    if (!encoded.has(key)) encoded.set(key, encodeInserts(batches, variant.insertPoints ?? INSERT_POINTS, variant.sorted === true));
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-chdb-insert-'));
  const session = new ChdbSession({ dir: join(dir, 'chdb'), stagingDir: join(dir, 'staging') });
  session.open();
  const outcomes: Outcome[] = [];
  try {
    // A throwaway round warms chDB (first table, first insert) so the first variant is not charged for it.
    await runVariant(session, { name: 'warmup', what: '', sorted: false }, 0, new Map([[`${INSERT_POINTS}/false`, encodeInserts(batches.slice(0, 20), INSERT_POINTS, false)]]));
    for (let run = 1; run <= ROUNDS; run++) {
      for (const variant of variants) {
        const outcome = await runVariant(session, variant, run, encoded);
        outcomes.push(outcome);
        process.stderr.write(`${variant.name} round ${run}: insert ${(outcome.insertUs / outcome.rows).toFixed(2)} µs/pt, merges ${(outcome.mergeUs / outcome.rows).toFixed(2)} µs/pt\n`);
      }
    }
  } finally {
    session.close();
    await rm(dir, { recursive: true, force: true });
  }
  const rowsExpected = batches.reduce((sum, batch) => sum + batch.points.length, 0);
  process.stdout.write(
    `chDB insert cost: ${rowsExpected} TSBS cpu points (${HOSTS} hosts × 10 tags, 10 float fields), ${INSERT_POINTS} points per insert, process CPU (user+sys) per point.\n` +
      '"insert" includes the merges chDB ran meanwhile; "merges" is what it spent after the last insert until no merge ran for SETTLE_S seconds.\n\n',
  );
  process.stdout.write('| variant | what | inserts | insert µs/pt | merges µs/pt | total µs/pt | then OPTIMIZE FINAL µs/pt | parts after insert → settled | MiB on disk | rows | sum of fields |\n|---|---|---|---|---|---|---|---|---|---|---|\n');
  for (const o of outcomes) {
    const rowsOk = o.rows === rowsExpected ? String(o.rows) : `${o.rows} (expected ${rowsExpected})`;
    process.stdout.write(
      `| ${o.variant.name} | ${o.variant.what.replace(/\|/g, '\\|')} | ${o.inserts} | ${(o.insertUs / o.rows).toFixed(2)} | ${(o.mergeUs / o.rows).toFixed(2)} | ${((o.insertUs + o.mergeUs) / o.rows).toFixed(2)} | ${(o.optimizeUs / o.rows).toFixed(2)} | ${o.partsAfterInsert} → ${o.partsSettled} | ${(o.bytesOnDisk / 1048576).toFixed(1)} | ${rowsOk} | ${o.checksum} |\n`,
    );
  }
}

await main();
