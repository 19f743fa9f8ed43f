// Reads a measurement's recent points back from chDB for the recent-points cache: the SQL and the
// decoding of its rows. Pure text and data; it never runs a query itself.

import type { MeasurementView } from '../meta/schema-view.js';
import type { SqlResult } from '../query/execute/query-port.js';
import { TIME_NS_SQL, timeLiteralSql } from '../query/sql/condition-sql.js';
import { MIN_TIME_NS } from '../query/language/time-literal.js';
import { fieldColumn, qualifiedTable, quoteIdent, quoteString, tagColumn } from '../store/naming.js';
import { tableSourceSql } from '../query/sql/table-source.js';
import { MAX_REL_NS, numericValue, type RecentColumn, type StoredSeries } from './recent-points-store.js';

/** The table's oldest and newest times and its row count (duplicates not yet merged count twice). */
export function tableBoundsSql(db: string, rp: string, measurement: string): string {
  return `SELECT toString(min(${TIME_NS_SQL})), toString(max(${TIME_NS_SQL})), count() FROM ${qualifiedTable(db, rp, measurement)}`;
}

export interface TableBounds {
  readonly oldestNs: bigint;
  readonly newestNs: bigint;
  readonly rows: number;
}

export function readTableBounds(result: SqlResult): TableBounds | undefined {
  const row = result.rows[0];
  const rows = Number(row?.[2] ?? 0);
  if (row === undefined || rows === 0) return undefined;
  return { oldestNs: BigInt(String(row[0])), newestNs: BigInt(String(row[1])), rows };
}

/** What a load holds: every point from `coverFromNs` (MIN_TIME_NS: all), times relative to `baseNs`. */
export interface LoadCover {
  readonly coverFromNs: bigint;
  readonly baseNs: bigint;
}

/**
 * The newest `windowNs` of the table (all of it when it is shorter), never further from the base
 * (its newest point) than a double holds exactly. An empty table is held whole from now on.
 */
export function loadCover(bounds: TableBounds | undefined, windowNs: bigint, nowNs: bigint): LoadCover {
  if (bounds === undefined) return { coverFromNs: MIN_TIME_NS, baseNs: nowNs };
  const reach = windowNs < BigInt(MAX_REL_NS / 2) ? windowNs : BigInt(MAX_REL_NS / 2);
  const from = bounds.newestNs - reach;
  return { coverFromNs: bounds.oldestNs >= from ? MIN_TIME_NS : from, baseNs: bounds.newestNs };
}

function fieldOrder(measurement: MeasurementView): string[] {
  return [...measurement.fieldTypes.keys()].sort();
}

/** Rows per series at or after `fromNs`, in `_series` order (duplicates not yet merged count twice). */
export function seriesRowsSql(db: string, rp: string, measurement: string, fromNs: bigint): string {
  return `SELECT \`_series\`, count() FROM ${qualifiedTable(db, rp, measurement)} WHERE \`time\` >= ${timeLiteralSql(fromNs)} GROUP BY \`_series\` ORDER BY \`_series\``;
}

/** A range of series keys: after `after` (exclusive) up to `through` (inclusive); open where undefined. */
export interface SeriesRange {
  readonly after?: string;
  readonly through?: string;
}

/**
 * Consecutive series ranges of about `rowsPerSlice` rows each (a series is never split), covering
 * every key: the first is open below and the last above, so series the counts missed are read too.
 */
export function seriesSlices(counts: SqlResult, rowsPerSlice: number): SeriesRange[] {
  const out: SeriesRange[] = [];
  let after: string | undefined;
  let rows = 0;
  const total = counts.rows.length;
  counts.rows.forEach((row, i) => {
    rows += Number(row[1] ?? 0);
    if (rows < rowsPerSlice || i === total - 1) return;
    const through = String(row[0]);
    out.push({ ...(after !== undefined ? { after } : {}), through });
    after = through;
    rows = 0;
  });
  out.push(after !== undefined ? { after } : {});
  return out;
}

/**
 * Per series of a range: `_series`, its tags (in tag key order), its times at or after `fromNs`
 * relative to `baseNs` (exact doubles: the cover keeps them within 2^52 ns), then per
 * field (sorted) its values in the same order with a stand-in where absent (NaN for floats, '' for
 * integers as text, 2 for booleans; strings come with a presence array). FINAL: each row as every
 * query reads it. The sort key starts with `_series`, so a range reads only its own granules, and
 * one row per series keeps the tags and times out of per-point cells.
 */
export function recentRowsSql(db: string, rp: string, measurement: MeasurementView, cover: { readonly fromNs: bigint; readonly baseNs: bigint }, range: SeriesRange): string {
  const columns = ['`_series`', ...measurement.tagKeys.map((k) => `any(${quoteIdent(tagColumn(k))})`)];
  const rel = `toFloat64(${TIME_NS_SQL} - toInt64(${cover.baseNs.toString()}))`;
  columns.push(`groupArray(${rel})`);
  const fields = fieldOrder(measurement);
  // Every groupArray of a group takes the same rows in the same order, so the arrays stay aligned
  // (sorted by time after the read: inTimeOrder).
  const sorted = (expr: string): string => `groupArray(${expr})`;
  for (const field of fields) {
    const column = quoteIdent(fieldColumn(field));
    switch (measurement.fieldTypes.get(field)) {
      case 'integer':
        columns.push(sorted(`ifNull(toString(${column}), '')`));
        break;
      case 'boolean':
        columns.push(sorted(`ifNull(toUInt8(${column}), 2)`));
        break;
      case 'string':
        columns.push(sorted(`ifNull(${column}, '')`), sorted(`${column} IS NOT NULL`));
        break;
      default:
        columns.push(sorted(`ifNull(${column}, nan)`));
    }
  }
  const where = [`\`time\` >= ${timeLiteralSql(cover.fromNs)}`];
  if (range.after !== undefined) where.push(`\`_series\` > ${quoteString(range.after)}`);
  if (range.through !== undefined) where.push(`\`_series\` <= ${quoteString(range.through)}`);
  const source = tableSourceSql({ db, rp, measurement: measurement.name, fields, where, final: true });
  return `SELECT ${columns.join(', ')} FROM ${source} GROUP BY \`_series\``;
}

/** Reads RowBinary: little-endian fixed widths, strings and arrays prefixed by a LEB128 length. */
class RowBinaryReader {
  private at = 0;

  constructor(private readonly bytes: Buffer) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  private length(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.bytes.length) throw new RangeError('truncated RowBinary answer');
      const byte = this.bytes[this.at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  }

  private take(n: number): number {
    const start = this.at;
    if (start + n > this.bytes.length) throw new RangeError('truncated RowBinary answer');
    this.at += n;
    return start;
  }

  string(): string {
    const n = this.length();
    const start = this.take(n);
    return this.bytes.toString('utf8', start, start + n);
  }

  float64s(): Float64Array {
    const n = this.length();
    const start = this.take(8 * n);
    // A copy: the answer's buffer need not be 8-byte aligned.
    return new Float64Array(this.bytes.buffer.slice(this.bytes.byteOffset + start, this.bytes.byteOffset + start + 8 * n));
  }

  uint8s(): Uint8Array {
    const n = this.length();
    const start = this.take(n);
    return this.bytes.subarray(start, start + n);
  }

  strings(): string[] {
    const n = this.length();
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.string();
    return out;
  }
}

function integers(texts: readonly string[]): Float64Array {
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    if (text === '') {
      out[i] = NaN;
      continue;
    }
    const n = numericValue('integer', text);
    if (n === undefined) throw new Error('a stored integer is beyond what the recent-points cache holds exactly');
    out[i] = n;
  }
  return out;
}

/** Decodes recentRowsSql's answer in RowBinary into held series (columns aligned with their times). */
export function readRecentSeries(answer: Buffer, measurement: MeasurementView): StoredSeries[] {
  const tagKeys = measurement.tagKeys;
  const fields = fieldOrder(measurement);
  const reader = new RowBinaryReader(answer);
  const out: StoredSeries[] = [];
  while (!reader.done) {
    const key = reader.string();
    const pairs: Array<[string, string]> = [];
    for (const k of tagKeys) {
      const value = reader.string();
      if (value !== '') pairs.push([k, value]);
    }
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const times = reader.float64s();
    const columns = new Map<string, RecentColumn>();
    for (const field of fields) {
      const type = measurement.fieldTypes.get(field)!;
      let column: RecentColumn;
      if (type === 'string') {
        const values = reader.strings();
        const present = reader.uint8s();
        column = { type, num: null, str: values.map((v, i) => (present[i] === 1 ? v : undefined)) };
        if (!column.str!.some((v) => v !== undefined)) continue;
      } else {
        const num = type === 'integer' ? integers(reader.strings()) : type === 'boolean' ? Float64Array.from(reader.uint8s(), (b) => (b === 2 ? NaN : b)) : reader.float64s();
        if (!num.some((v) => v === v)) continue;
        column = { type, num, str: null };
      }
      if (column.num !== null ? column.num.length !== times.length : column.str!.length !== times.length) throw new RangeError('malformed recent-points answer');
      columns.set(field, column);
    }
    out.push(inTimeOrder({ key, tags: pairs.flat(), times, columns }));
  }
  return out;
}

/**
 * The series with its rows in time order. groupArray keeps the rows' order per group, the same
 * for every column, but threads may hand a group's rows over in any order.
 */
export function inTimeOrder(series: StoredSeries): StoredSeries {
  const { times } = series;
  // A point written far from the base after the load chose it: its time cannot be held exactly.
  for (const t of times) if (!(Math.abs(t) < MAX_REL_NS)) throw new Error(`series ${series.key} holds a time too far from the load's base`);
  let sorted = true;
  for (let i = 1; i < times.length && sorted; i++) sorted = times[i - 1]! < times[i]!;
  if (sorted) return series;
  const order = Uint32Array.from(times.keys()).sort((a, b) => times[a]! - times[b]!);
  for (let i = 1; i < order.length; i++) if (!(times[order[i - 1]!]! < times[order[i]!]!)) throw new Error(`series ${series.key} was read with two rows at one time`);
  const columns = new Map<string, RecentColumn>();
  for (const [field, column] of series.columns) {
    if (column.num !== null) columns.set(field, { ...column, num: Float64Array.from(order, (i) => column.num![i]!) });
    else columns.set(field, { ...column, str: Array.from(order, (i) => column.str![i]) });
  }
  return { ...series, times: Float64Array.from(order, (i) => times[i]!), columns };
}
