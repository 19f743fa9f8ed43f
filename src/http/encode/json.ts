// Byte-exact InfluxDB 1.x JSON encoding of statement results (Go encoding/json conventions).
// Pure string building; never touches I/O. Times arrive as bigint ns and leave per `epoch`.

import { formatRfc3339Nano, zoneOffsetSeconds, type Series, type StatementResult } from '../../core/query/index.js';

export type Epoch = 'ns' | 'u' | 'µ' | 'ms' | 's' | 'm' | 'h';

export interface FormatOptions {
  readonly epoch?: Epoch;
  readonly pretty?: boolean;
}

const EPOCH_DIVISOR: Readonly<Record<Epoch, bigint>> = {
  ns: 1n,
  u: 1_000n,
  µ: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Characters goJsonString rewrites: a string without any is printed as it is. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;

/** Go's json string encoding (HTML-safe: <, >, & escaped; control characters as \u00XX). */
export function goJsonString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return '"' + text + '"';
  let out = '"';
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let esc: string | undefined;
    if (code === 0x22) esc = '\\"';
    else if (code === 0x5c) esc = '\\\\';
    else if (code === 0x0a) esc = '\\n';
    else if (code === 0x0d) esc = '\\r';
    else if (code === 0x09) esc = '\\t';
    else if (code < 0x20 || code === 0x3c || code === 0x3e || code === 0x26 || code === 0x2028 || code === 0x2029) {
      esc = '\\u' + code.toString(16).padStart(4, '0');
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      const paired = code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      if (paired) {
        i++;
        continue;
      }
      esc = '\ufffd';
    }
    if (esc !== undefined) {
      out += text.slice(run, i) + esc;
      run = i + 1;
    }
  }
  return out + text.slice(run) + '"';
}

/** Go's encoding of a float64 ('f' for 1e-6 <= |x| < 1e21, shortest 'e' otherwise). */
export function goJsonFloat(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/** Converts a bigint nanosecond time per `epoch` (Go truncates toward zero), or RFC3339Nano. */
export function formatTime(ns: bigint, epoch: Epoch | undefined, timeZone?: string): bigint | string {
  if (epoch === undefined) return formatRfc3339Nano(ns, timeZone === undefined ? 0 : zoneOffsetSeconds(timeZone, ns));
  return ns / EPOCH_DIVISOR[epoch];
}

function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return goJsonFloat(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return goJsonString(value);
    default:
      return goJsonString(String(value));
  }
}

/** A series' values: encoded row by row without a node per cell (the hot path of large results). */
interface RowsNode {
  readonly rows: ReadonlyArray<readonly unknown[]>;
  readonly epoch: Epoch | undefined;
  /** Cell 0 is the time (bigint ns), printed per epoch or as RFC3339Nano in `timeZone`. */
  readonly hasTime: boolean;
  readonly timeZone: string | undefined;
  /** Shared by the series of one answer (one epoch). */
  readonly lastTime: LastTime;
}

/** A string is JSON text already (printed as it is); objects' keys are JSON keys. */
type Json = string | RowsBox | readonly Json[] | { readonly [key: string]: Json };

/** Marks a RowsNode among plain objects (whose keys are JSON keys). */
class RowsBox {
  constructor(readonly node: RowsNode) {}
}

/**
 * The last time cell one answer encoded: its series often share their times (one point per
 * series at the same timestamp), and formatting a time costs more than comparing.
 */
interface LastTime {
  ns: bigint;
  timeZone: string | undefined;
  text: string;
}

function encodeTime(ns: bigint, node: RowsNode): string {
  const last = node.lastTime;
  if (last.text !== '' && last.ns === ns && last.timeZone === node.timeZone) return last.text;
  const text = encodeValue(formatTime(ns, node.epoch, node.timeZone));
  last.ns = ns;
  last.timeZone = node.timeZone;
  last.text = text;
  return text;
}

function encodeCell(node: RowsNode, cell: unknown, index: number): string {
  if (index === 0 && node.hasTime && typeof cell === 'bigint') return encodeTime(cell, node);
  return encodeValue(cell);
}

/** Rows per piece of a streamed answer (renderRows). */
const ROWS_PER_PIECE = 1_024;

/** The separators of a rows array at one nesting depth (indent undefined: compact). */
interface RowsLayout {
  readonly rowNl: string;
  readonly rowSep: string;
  readonly rowOpen: string;
  readonly cellSep: string;
  readonly rowClose: string;
  readonly end: string;
}

function rowsLayout(indent: string | undefined, depth: number): RowsLayout {
  const rowNl = indent === undefined ? '' : '\n' + indent.repeat(depth + 1);
  return {
    rowNl,
    rowSep: ',' + rowNl,
    rowOpen: indent === undefined ? '[' : '[\n' + indent.repeat(depth + 2),
    cellSep: indent === undefined ? ',' : ',\n' + indent.repeat(depth + 2),
    rowClose: rowNl + ']',
    end: (indent === undefined ? '' : '\n' + indent.repeat(depth)) + ']',
  };
}

/** Rows [from, to) as render() prints them (after the opening bracket, before the closing one). */
function rowsInto(node: RowsNode, layout: RowsLayout, from: number, to: number, out: string[]): void {
  for (let r = from; r < to; r++) {
    const row = node.rows[r] as readonly unknown[];
    if (r > 0) out.push(layout.rowSep);
    if (row.length === 0) {
      out.push('[]');
    } else {
      out.push(layout.rowOpen, encodeCell(node, row[0], 0));
      for (let i = 1; i < row.length; i++) out.push(layout.cellSep, encodeCell(node, row[i], i));
      out.push(layout.rowClose);
    }
  }
}

/**
 * The rows as render() would print an array of arrays of raw cells, byte for byte, in pieces.
 * Small strings are gathered and joined per piece: joining keeps the short-lived cell strings
 * young (appending with += would keep a rope node per cell alive).
 */
function* renderRows(node: RowsNode, indent: string | undefined, depth: number): Generator<string> {
  if (node.rows.length === 0) {
    yield '[]';
    return;
  }
  const layout = rowsLayout(indent, depth);
  for (let from = 0; from < node.rows.length; from += ROWS_PER_PIECE) {
    const parts: string[] = from === 0 ? ['[' + layout.rowNl] : [];
    const to = Math.min(node.rows.length, from + ROWS_PER_PIECE);
    rowsInto(node, layout, from, to, parts);
    if (to === node.rows.length) parts.push(layout.end);
    yield parts.join('');
  }
}

/** renderRows' text pushed into `out` whole. */
function renderRowsInto(node: RowsNode, indent: string | undefined, depth: number, out: string[]): void {
  if (node.rows.length === 0) {
    out.push('[]');
    return;
  }
  const layout = rowsLayout(indent, depth);
  out.push('[' + layout.rowNl);
  rowsInto(node, layout, 0, node.rows.length, out);
  out.push(layout.end);
}

function seriesToJson(series: Series, epoch: Epoch | undefined, lastTime: LastTime): Json {
  const out: Record<string, Json> = {};
  if (series.name !== undefined && series.name !== '') out['name'] = goJsonString(series.name);
  if (series.tags !== undefined && Object.keys(series.tags).length > 0) {
    const tags: Record<string, Json> = {};
    for (const key of Object.keys(series.tags).sort()) tags[key] = goJsonString(series.tags[key] ?? '');
    out['tags'] = tags;
  }
  if (series.columns.length > 0) out['columns'] = series.columns.map((c) => goJsonString(c));
  if (series.values.length > 0) {
    out['values'] = new RowsBox({ rows: series.values, epoch, hasTime: series.columns[0] === 'time', timeZone: series.timeZone, lastTime });
  }
  if (series.partial === true) out['partial'] = 'true';
  return out;
}

/** One statement result as Go marshals it (statement_id, series, messages, partial, error). */
function resultToJson(result: StatementResult, epoch: Epoch | undefined, lastTime: LastTime): Json {
  const out: Record<string, Json> = { statement_id: String(result.statement_id) };
  if (result.series !== undefined && result.series.length > 0) out['series'] = result.series.map((s) => seriesToJson(s, epoch, lastTime));
  if (result.messages !== undefined && result.messages.length > 0) {
    out['messages'] = result.messages.map((m) => ({ level: goJsonString(m.level), text: goJsonString(m.text) }));
  }
  if (result.partial === true) out['partial'] = 'true';
  if (result.error !== undefined && result.error !== '') out['error'] = goJsonString(result.error);
  return out;
}

/** Where a series' rows go in an answer's text, and at which nesting depth. */
interface RowsAt {
  readonly node: RowsNode;
  readonly depth: number;
}

/** A run of an answer's text, or the place of a series' rows (written whole or in pieces). */
type Segment = string | RowsAt;

/**
 * The JSON text of `value` pushed into `out`, with each series' rows left as a RowsAt for the
 * caller to write whole (render) or in pieces (renderPieces). No generators: a small answer (the
 * common case) would otherwise pass every piece up through one generator per level of nesting.
 */
function segmentsInto(value: Json, indent: string | undefined, depth: number, out: Segment[]): void {
  if (typeof value === 'string') {
    out.push(value);
    return;
  }
  if (value instanceof RowsBox) {
    out.push({ node: value.node, depth });
    return;
  }
  const nl = indent === undefined ? '' : '\n' + indent.repeat(depth + 1);
  const close = indent === undefined ? '' : '\n' + indent.repeat(depth);
  const sep = indent === undefined ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
      return;
    }
    let opening = '[';
    for (const item of value as readonly Json[]) {
      out.push(opening + nl);
      segmentsInto(item, indent, depth + 1, out);
      opening = ',';
    }
    out.push(close + ']');
    return;
  }
  let opening = '{';
  for (const key in value as Record<string, Json>) {
    out.push(opening + nl + goJsonString(key) + sep);
    segmentsInto((value as Record<string, Json>)[key]!, indent, depth + 1, out);
    opening = ',';
  }
  out.push(opening === '{' ? '{}' : close + '}');
}

function render(value: Json, indent: string | undefined, depth: number): string {
  const segments: Segment[] = [];
  segmentsInto(value, indent, depth, segments);
  const out: string[] = [];
  for (const segment of segments) {
    if (typeof segment === 'string') out.push(segment);
    else renderRowsInto(segment.node, indent, segment.depth, out);
  }
  return out.join('');
}

/**
 * render()'s text in pieces: the text around the rows joined, a series' rows in pieces of some
 * thousand rows, so a large answer can be written out piece by piece.
 */
function* renderPieces(value: Json, indent: string | undefined, depth: number): Generator<string> {
  const segments: Segment[] = [];
  segmentsInto(value, indent, depth, segments);
  let text: string[] = [];
  for (const segment of segments) {
    if (typeof segment === 'string') {
      text.push(segment);
      continue;
    }
    if (text.length > 0) yield text.join('');
    text = [];
    yield* renderRows(segment.node, indent, segment.depth);
  }
  if (text.length > 0) yield text.join('');
}

/** `{"results":[...]}` exactly as InfluxDB 1.x writes it (no trailing newline). */
export function formatResultsJson(results: readonly StatementResult[], options: FormatOptions = {}): string {
  const lastTime: LastTime = { ns: 0n, timeZone: undefined, text: '' };
  const body: Record<string, Json> = {};
  if (results.length > 0) body['results'] = results.map((r) => resultToJson(r, options.epoch, lastTime));
  return render(body, options.pretty === true ? '    ' : undefined, 0);
}

/** formatResultsJson's text in pieces, for writing a large answer without building it whole. */
export function formatResultsJsonPieces(results: readonly StatementResult[], options: FormatOptions = {}): Generator<string> {
  const lastTime: LastTime = { ns: 0n, timeZone: undefined, text: '' };
  const body: Record<string, Json> = {};
  if (results.length > 0) body['results'] = results.map((r) => resultToJson(r, options.epoch, lastTime));
  return renderPieces(body, options.pretty === true ? '    ' : undefined, 0);
}

/** Rows over every series of the results: how large an answer is about to be. */
export function resultRowCount(results: readonly StatementResult[]): number {
  let rows = 0;
  for (const result of results) for (const series of result.series ?? []) rows += series.values.length;
  return rows;
}

/** `{"error":"..."}` for request-level failures (parse errors, auth). */
export function formatErrorJson(message: string, options: FormatOptions = {}): string {
  return render({ error: goJsonString(message) }, options.pretty === true ? '    ' : undefined, 0);
}
