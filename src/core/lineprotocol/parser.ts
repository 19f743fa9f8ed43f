// InfluxDB 1.x line protocol → Points, a char-code port of 1.6.7's `models/points.go` semantics.
// Pure: no I/O, no clock (server time comes in as `nowNs`), never throws on any input.

import { isAscii } from 'node:buffer';
import type { FieldType, FieldValue, Point } from '../model/point.js';
import { unescapeFieldKey, unescapeMeasurement, unescapeStringField, unescapeTag } from './escape.js';
import { precisionMultiplierNs, type Precision } from './precision.js';
import { scanFields, walkFields } from './field-scan.js';
import {
  BACKSLASH,
  COMMA,
  EQUALS,
  FIELD_TYPES,
  HASH,
  KIND_BOOLEAN,
  KIND_FLOAT,
  KIND_INTEGER,
  KIND_UNSIGNED,
  LF,
  LineScanner,
  QUOTE,
  SERIES_CACHE_MAX,
  SPACE,
  TAB,
  fail,
  nextSpecial,
  type SeriesEntry,
} from './line-scanner.js';

export interface ParseOptions {
  readonly precision: Precision;
  /** Server time, stamped (truncated to `precision`) on lines without a timestamp. */
  readonly nowNs: bigint;
  /**
   * Accept unsigned fields (`1u`). InfluxDB 1.6.7 OSS rejects them ("invalid number"), and so
   * does /write by default; the storage keeps its uint64 columns for data written before.
   */
  readonly allowUnsigned?: boolean;
}

export interface LineError {
  /** 1-based number of the physical line the bad line starts on. */
  readonly lineNumber: number;
  /** The line as 1.6.7 quotes it: leading whitespace and the trailing newline removed. */
  readonly line: string;
  /** 1.6.7's reason, e.g. `missing field value`. */
  readonly reason: string;
}

export interface ParseResult {
  readonly points: Point[];
  readonly errors: LineError[];
}

/** Largest combined measurement + tags size, in bytes (1.6.7 `models.MaxKeyLength`). */
export const MAX_KEY_LENGTH = 65535;
export const MIN_TIME_NS = -9223372036854775806n;
export const MAX_TIME_NS = 9223372036854775806n;
const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const TIME_OUT_OF_RANGE = `time outside range ${MIN_TIME_NS} - ${MAX_TIME_NS}`;

/** Parses a `/write` body. Bad lines become `errors`; good lines become `points`, in order. */
export function parseLineProtocol(body: Buffer | string, opts: ParseOptions): ParseResult {
  // latin1 decoding is much cheaper and equal to utf8 for ASCII bodies, the common case.
  const s = typeof body === 'string' ? body : body.toString(isAscii(body) ? 'latin1' : 'utf8');
  const sc = new LineScanner();
  sc.s = s;
  sc.allowUnsigned = opts.allowUnsigned ?? false;
  const multiplier = precisionMultiplierNs(opts.precision);
  const defaultTimeNs = opts.nowNs - (((opts.nowNs % multiplier) + multiplier) % multiplier);
  const result: ParseResult = { points: [], errors: [] };
  let pos = 0;
  while (pos < s.length) pos = parseLine(sc, pos, multiplier, defaultTimeNs, result);
  return result;
}

/** Parses the line starting at `pos` into `result`; returns where the next line starts. */
function parseLine(sc: LineScanner, pos: number, multiplier: bigint, defaultTimeNs: bigint, result: ParseResult): number {
  const s = sc.s;
  let blockEnd = lineEndFast(sc, pos);
  if (blockEnd === -1) blockEnd = scanLine(s, pos, s.length);
  if (blockEnd === pos) return blockEnd + 1;
  const start = skipWhitespace(s, pos, blockEnd);
  if (start >= blockEnd || s.charCodeAt(start) === HASH) return blockEnd + 1;
  const next = blockEnd + 1;
  if (s.charCodeAt(blockEnd - 1) === LF) blockEnd--;
  sc.lineEnd = blockEnd;
  sc.err = null;
  const point = parsePoint(sc, start, multiplier, defaultTimeNs);
  if (point !== null) result.points.push(point);
  else result.errors.push({ lineNumber: lineNumberAt(sc, pos), line: s.slice(start, blockEnd), reason: sc.err ?? 'point is invalid' });
  return next;
}

/** 1-based physical line number of `pos`; counts newlines lazily since errors are rare. */
function lineNumberAt(sc: LineScanner, pos: number): number {
  for (; sc.countedTo < pos; sc.countedTo++) if (sc.s.charCodeAt(sc.countedTo) === LF) sc.lineNumber++;
  return sc.lineNumber;
}

/**
 * scanLine's answer for a line with neither a backslash nor a quote (it then ends at the first
 * newline, or the body's end), found natively; -1 when the line has one of them.
 */
function lineEndFast(sc: LineScanner, pos: number): number {
  const s = sc.s;
  let end = s.indexOf('\n', pos);
  if (end === -1) end = s.length;
  return nextSpecial(sc, pos) < end ? -1 : end;
}

/** End of the line starting at `i`: an unquoted newline not preceded by an escaping backslash. */
function scanLine(s: string, i: number, n: number): number {
  let quoted = false;
  let inFields = false;
  let equals = 0;
  let commas = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) {
      i += 2;
      continue;
    }
    if (c === SPACE) inFields = true;
    if (inFields) {
      if (!quoted && c === EQUALS) {
        i++;
        equals++;
        continue;
      } else if (!quoted && c === COMMA) {
        i++;
        commas++;
        continue;
      } else if (c === QUOTE && equals > commas) {
        i++;
        quoted = !quoted;
        continue;
      }
    }
    if (c === LF && !quoted) break;
    i++;
  }
  // 1.6.7 reads one byte past a trailing backslash; the JSON message shows the line without it.
  return i > n ? n : i;
}

function skipWhitespace(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== 0) break;
    i++;
  }
  return i;
}

/** One line (`start` is past leading whitespace, `sc.lineEnd` excludes the newline) → a Point or null with `sc.err`. */
function parsePoint(sc: LineScanner, start: number, multiplier: bigint, defaultTimeNs: bigint): Point | null {
  const s = sc.s;
  if (sc.nextSpace < start) sc.nextSpace = s.indexOf(' ', start) >>> 0;
  let keyEnd = sc.nextSpace;
  let series: SeriesEntry | null | undefined = keyEnd < sc.lineEnd && nextSpecial(sc, start) > keyEnd ? cachedSeries(sc, start, keyEnd) : undefined;
  if (series === undefined) {
    keyEnd = scanKey(sc, start);
    if (sc.err !== null) return null;
    series = seriesFor(sc, start, keyEnd);
  }
  if (series === null) return null;
  const fieldsStart = skipWhitespace(s, keyEnd, sc.lineEnd);
  const fieldsEnd = scanFields(sc, fieldsStart);
  if (sc.err !== null) return null;
  if (fieldsEnd === fieldsStart) return fail(sc, 'missing fields');
  if (sc.fieldsNeedWalk) walkFields(sc, fieldsStart, fieldsEnd);
  if (sc.err !== null) return null;
  if (!checkSeriesKeySizes(sc, start, keyEnd)) return null;
  const timeNs = scanTime(sc, fieldsEnd, multiplier, defaultTimeNs);
  if (timeNs === null) return null;
  return buildPoint(sc, series, timeNs);
}

/**
 * The cached series of a key without backslashes that ends at the line's first space: scanKey
 * ends a key like that exactly there, and the key was valid when it was cached, so scanning it
 * again would find the same series.
 */
function cachedSeries(sc: LineScanner, start: number, keyEnd: number): SeriesEntry | undefined {
  return sc.series.get(sc.s.slice(start, keyEnd));
}

/**
 * Measurement and sorted tags of a raw series key, cached per call: most lines of a batch repeat
 * a few series, so their points share one tags array and skip unescaping and sorting.
 */
function seriesFor(sc: LineScanner, start: number, keyEnd: number): SeriesEntry | null {
  const rawKey = sc.s.slice(start, keyEnd);
  const cached = sc.series.get(rawKey);
  if (cached !== undefined) return cached;
  const measurementEnd = sc.tagCount === 0 ? keyEnd : sc.tagKeyStart[0]! - 1;
  // Raw tag keys are equal exactly when unescaped ones are, so checking here keeps 1.6.7's error order.
  const tags = sc.tagCount === 0 ? [] : buildTags(sc);
  if (tags === null) return fail(sc, 'duplicate tags');
  if (keyEnd - start > MAX_KEY_LENGTH / 3) {
    const keyBytes = Buffer.byteLength(rawKey);
    if (keyBytes > MAX_KEY_LENGTH) return fail(sc, `max key length exceeded: ${keyBytes} > ${MAX_KEY_LENGTH}`);
  }
  const entry: SeriesEntry = {
    measurement: unescapeMeasurement(sc.s.slice(start, measurementEnd)),
    tags,
    fieldKeys: null,
    fieldTypes: null,
  };
  if (sc.series.size >= SERIES_CACHE_MAX) sc.series.clear();
  sc.series.set(rawKey, entry);
  return entry;
}

/** Measurement and tags (1.6.7 `scanKey`); returns the key's end (the space before the fields). */
function scanKey(sc: LineScanner, i: number): number {
  const s = sc.s;
  const end = sc.lineEnd;
  sc.tagCount = 0;
  if (i >= end || s.charCodeAt(i) === COMMA) return fail(sc, 'missing measurement') ?? i;
  for (;;) {
    i++;
    if (i >= end) return fail(sc, 'missing fields') ?? i;
    if (s.charCodeAt(i - 1) === BACKSLASH) continue;
    const c = s.charCodeAt(i);
    if (c === SPACE) return i;
    if (c === COMMA) break;
  }
  // Tags: key=value pairs; a char is escaped when the byte before it is a backslash.
  i++;
  for (;;) {
    if (sc.tagCount === sc.tagKeyStart.length) sc.growTags();
    const t = sc.tagCount++;
    sc.tagKeyStart[t] = i;
    let c = i < end ? s.charCodeAt(i) : -1;
    if (c === -1 || c === SPACE || c === COMMA || c === EQUALS) return fail(sc, 'missing tag key') ?? i;
    for (;;) {
      i++;
      if (i >= end) return fail(sc, 'missing tag value') ?? i;
      c = s.charCodeAt(i);
      const escaped = s.charCodeAt(i - 1) === BACKSLASH;
      if ((c === SPACE || c === COMMA) && !escaped) return fail(sc, 'missing tag value') ?? i;
      if (c === EQUALS && !escaped) break;
    }
    sc.tagEquals[t] = i;
    i++;
    c = i < end ? s.charCodeAt(i) : -1;
    if (c === -1 || c === COMMA || c === SPACE) return fail(sc, 'missing tag value') ?? i;
    for (;;) {
      i++;
      if (i >= end) return fail(sc, 'missing fields') ?? i;
      c = s.charCodeAt(i);
      if (s.charCodeAt(i - 1) === BACKSLASH) continue;
      if (c === EQUALS) return fail(sc, 'invalid tag format') ?? i;
      if (c === COMMA || c === SPACE) break;
    }
    sc.tagValueEnd[t] = i;
    if (c === SPACE) return i;
    i++;
  }
}

/** 1.6.7 checks measurement + tags + 4 + raw field key against MAX_KEY_LENGTH for every field. */
function checkSeriesKeySizes(sc: LineScanner, keyStart: number, keyEnd: number): boolean {
  let longest = 0;
  for (let f = 0; f < sc.fieldCount; f++) {
    longest = Math.max(longest, sc.fieldEquals[f]! - sc.fieldKeyStart[f]!);
  }
  if ((keyEnd - keyStart + 4 + longest) * 3 <= MAX_KEY_LENGTH) return true;
  const keyBytes = Buffer.byteLength(sc.s.slice(keyStart, keyEnd));
  for (let f = 0; f < sc.fieldCount; f++) {
    const size = keyBytes + 4 + Buffer.byteLength(sc.s.slice(sc.fieldKeyStart[f]!, sc.fieldEquals[f]!));
    if (size > MAX_KEY_LENGTH) return fail(sc, `max key length exceeded: ${size} > ${MAX_KEY_LENGTH}`) ?? false;
  }
  return true;
}

/** Optional timestamp (1.6.7 `scanTime` + `SafeCalcTime`); null with `sc.err` on a bad one. */
function scanTime(sc: LineScanner, i: number, multiplier: bigint, defaultTimeNs: bigint): bigint | null {
  const s = sc.s;
  const end = sc.lineEnd;
  i = skipWhitespace(s, i, end);
  const start = i;
  let value = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || c === SPACE) break;
    if (i === start && c === 45) continue;
    if (c < 48 || c > 57) return fail(sc, 'bad timestamp');
    value = value * 10 + (c - 48);
  }
  if (i === start) return defaultTimeNs;
  let ts: bigint;
  const negative = s.charCodeAt(start) === 45;
  if (negative && i - start === 1) return fail(sc, 'strconv.ParseInt: parsing "-": invalid syntax');
  if (i - start <= 15) {
    ts = BigInt(negative ? -value : value);
  } else {
    ts = BigInt(s.slice(start, i));
    if (ts < INT64_MIN || ts > INT64_MAX) {
      return fail(sc, `strconv.ParseInt: parsing "${s.slice(start, i)}": value out of range`);
    }
  }
  const timeNs = multiplier === 1n ? ts : ts * multiplier;
  if (timeNs < MIN_TIME_NS || timeNs > MAX_TIME_NS) return fail(sc, TIME_OUT_OF_RANGE);
  for (; i < end; i++) if (s.charCodeAt(i) !== SPACE) return fail(sc, 'point is invalid');
  return timeNs;
}

/** Tags as a flat sorted [k, v, …] list, or null on a duplicate key. */
function buildTags(sc: LineScanner): string[] | null {
  const s = sc.s;
  const count = sc.tagCount;
  const tags = new Array<string>(count * 2);
  let sorted = true;
  for (let t = 0; t < count; t++) {
    const key = unescapeTag(s.slice(sc.tagKeyStart[t]!, sc.tagEquals[t]!));
    tags[t * 2] = key;
    tags[t * 2 + 1] = unescapeTag(s.slice(sc.tagEquals[t]! + 1, sc.tagValueEnd[t]!));
    if (t > 0) {
      const previous = tags[t * 2 - 2]!;
      if (previous === key) return null;
      if (previous > key) sorted = false;
    }
  }
  if (sorted) return tags;
  const order = Array.from({ length: count }, (_, t) => t);
  order.sort((a, b) => (tags[a * 2]! < tags[b * 2]! ? -1 : tags[a * 2]! > tags[b * 2]! ? 1 : 0));
  const out = new Array<string>(count * 2);
  for (let k = 0; k < count; k++) {
    const t = order[k]!;
    out[k * 2] = tags[t * 2]!;
    out[k * 2 + 1] = tags[t * 2 + 1]!;
    if (k > 0 && out[k * 2 - 2] === out[k * 2]) return null;
  }
  return out;
}

function buildPoint(sc: LineScanner, series: SeriesEntry, timeNs: bigint): Point | null {
  const count = sc.fieldCount;
  if (!sc.fieldsNeedWalk && series.fieldKeys !== null && sameFieldShape(sc, series)) {
    const fieldValues: FieldValue[] = [];
    for (let f = 0; f < count; f++) {
      const value = fieldValue(sc, f, sc.fieldKind[f]!);
      if (value === null) return null;
      fieldValues.push(value);
    }
    const { measurement, tags, fieldKeys, fieldTypes } = series;
    return { measurement, tags, fieldKeys, fieldTypes: fieldTypes!, fieldValues, timeNs };
  }
  const s = sc.s;
  const fieldKeys: string[] = [];
  const fieldTypes: FieldType[] = [];
  const fieldValues: FieldValue[] = [];
  for (let f = 0; f < count; f++) {
    const rawKey = s.slice(sc.fieldKeyStart[f]!, sc.fieldEquals[f]!);
    const key = sc.fieldsNeedWalk ? unescapeFieldKey(rawKey) : rawKey;
    const kind = sc.fieldKind[f]!;
    const value = fieldValue(sc, f, kind);
    if (value === null) return null;
    const existing = count > 1 ? fieldKeys.indexOf(key) : -1;
    if (existing === -1) {
      fieldKeys.push(key);
      fieldTypes.push(FIELD_TYPES[kind]!);
      fieldValues.push(value);
    } else {
      fieldTypes[existing] = FIELD_TYPES[kind]!;
      fieldValues[existing] = value;
    }
  }
  if (!sc.fieldsNeedWalk && fieldKeys.length === count) {
    series.fieldKeys = fieldKeys;
    series.fieldTypes = fieldTypes;
  }
  return { measurement: series.measurement, tags: series.tags, fieldKeys, fieldTypes, fieldValues, timeNs };
}

/** Whether this line's raw field keys and kinds equal the series' cached ones (no allocation). */
function sameFieldShape(sc: LineScanner, series: SeriesEntry): boolean {
  const keys = series.fieldKeys!;
  const types = series.fieldTypes!;
  if (keys.length !== sc.fieldCount) return false;
  const s = sc.s;
  for (let f = 0; f < keys.length; f++) {
    const key = keys[f]!;
    const from = sc.fieldKeyStart[f]!;
    if (sc.fieldEquals[f]! - from !== key.length || FIELD_TYPES[sc.fieldKind[f]!] !== types[f]) return false;
    for (let k = 0; k < key.length; k++) if (s.charCodeAt(from + k) !== key.charCodeAt(k)) return false;
  }
  return true;
}

function fieldValue(sc: LineScanner, f: number, kind: number): FieldValue | null {
  const s = sc.s;
  const from = sc.fieldEquals[f]! + 1;
  const to = sc.fieldValueEnd[f]!;
  switch (kind) {
    case KIND_FLOAT: {
      const known = sc.fieldNumber[f]!;
      if (!Number.isNaN(known)) return known;
      const value = Number(s.slice(from, to));
      return Number.isFinite(value) ? value : fail(sc, 'invalid number');
    }
    case KIND_INTEGER:
    case KIND_UNSIGNED:
      return canonicalInteger(s, from, to - 1) ?? fail(sc, 'invalid number');
    case KIND_BOOLEAN: {
      const c = s.charCodeAt(from);
      return c === 116 || c === 84 || c === 49; // t T 1
    }
    default:
      return unescapeStringField(s.slice(from + 1, Math.max(from + 1, to - 1)));
  }
}

/** `-?[0-9]+` → canonical decimal text (no leading zeros, no `-0`); null if not digits. */
function canonicalInteger(s: string, from: number, to: number): string | null {
  const negative = s.charCodeAt(from) === 45;
  let i = negative ? from + 1 : from;
  if (i >= to) return null;
  for (let k = i; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return null;
  }
  while (i < to - 1 && s.charCodeAt(i) === 48) i++;
  if (i === to - 1 && s.charCodeAt(i) === 48) return '0';
  const digits = s.slice(i, to);
  return negative ? `-${digits}` : digits;
}
