// The field section of a line: 1.6.7's `scanFields` validation (with number/boolean scanning) and
// its `walkFields` re-split. Pure; positions and values go into the LineScanner, never allocated per field.

import {
  BACKSLASH,
  COMMA,
  EQUALS,
  KIND_BOOLEAN,
  KIND_FLOAT,
  KIND_INTEGER,
  KIND_STRING,
  KIND_UNSIGNED,
  POW10,
  QUOTE,
  SPACE,
  fail,
  type LineScanner,
} from './line-scanner.js';

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/**
 * Validates the field section (1.6.7 `scanFields`) and records key/value spans. Spans are exact
 * only without backslashes and quotes; otherwise `fieldsNeedWalk` asks for 1.6.7's `walkFields`.
 */
export function scanFields(sc: LineScanner, i: number): number {
  const s = sc.s;
  const end = sc.lineEnd;
  let quoted = false;
  let equals = 0;
  let commas = 0;
  let special = false;
  sc.fieldCount = 0;
  sc.fieldKeyStart[0] = i;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH && i + 1 < end) {
      special = true;
      i += 2;
      continue;
    }
    if (c === QUOTE) {
      special = true;
      if (equals > commas) {
        quoted = !quoted;
        i++;
        continue;
      }
    }
    if (c === EQUALS && !quoted) {
      equals++;
      const before = s.charCodeAt(i - 1);
      if ((before === SPACE || before === COMMA) && s.charCodeAt(i - 2) !== BACKSLASH) {
        return fail(sc, 'missing field key') ?? i;
      }
      if (i + 1 >= end) return fail(sc, 'missing field value') ?? i;
      const next = s.charCodeAt(i + 1);
      if (next === COMMA || next === SPACE) return fail(sc, 'missing field value') ?? i;
      const f = sc.fieldCount;
      if (next !== QUOTE) {
        if (f + 1 >= sc.fieldKeyStart.length) sc.growFields();
        sc.fieldEquals[f] = i;
        i = isNumberStart(next) ? scanNumber(sc, i + 1) : scanBoolean(sc, i + 1);
        if (sc.err !== null) return i;
        sc.fieldValueEnd[f] = i;
        sc.fieldKind[f] = sc.numberKind;
        sc.fieldNumber[f] = sc.numberExact ? sc.numberValue : Number.NaN;
        sc.fieldCount = f + 1;
        continue;
      }
      special = true;
    }
    if (c === COMMA && !quoted) {
      commas++;
      sc.fieldKeyStart[sc.fieldCount] = i + 1;
    }
    if (c === SPACE && !quoted) break;
    i++;
  }
  if (quoted) return fail(sc, 'unbalanced quotes') ?? i;
  if (equals === 0 || commas !== equals - 1) return fail(sc, 'invalid field format') ?? i;
  sc.fieldsNeedWalk = special;
  return i;
}

function isNumberStart(c: number): boolean {
  // digit . - N n
  return (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 78 || c === 110;
}

/** 1.6.7 `scanNumber`; sets `numberKind`, and `numberValue` when a float was computed exactly. */
function scanNumber(sc: LineScanner, i: number): number {
  const s = sc.s;
  const end = sc.lineEnd;
  const start = i;
  let isInt = false;
  let isUnsigned = false;
  const negative = s.charCodeAt(i) === 45;
  if (negative) {
    i++;
    if (i === end) return fail(sc, 'invalid number') ?? i;
  }
  let decimal = false;
  let scientific = false;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (decimal) fraction++;
      continue;
    }
    if (c === COMMA || c === SPACE) break;
    if (c === 105 /* i */ && i > start && !(isInt || isUnsigned)) {
      isInt = true;
      continue;
    } else if (c === 117 /* u */ && i > start && !(isInt || isUnsigned)) {
      isUnsigned = true;
      continue;
    }
    if (c === 46 /* . */) {
      if (decimal) return fail(sc, 'invalid number') ?? i;
      decimal = true;
      continue;
    }
    if (i > start && (c === 101 || c === 69) /* e E */) {
      scientific = true;
      continue;
    }
    const before = s.charCodeAt(i - 1);
    if ((c === 43 || c === 45) && (before === 101 || before === 69)) continue;
    return fail(sc, 'invalid number') ?? i;
  }
  if ((isInt || isUnsigned) && (decimal || scientific)) return fail(sc, 'invalid number') ?? i;
  let numericDigits = i - start;
  if (isInt) numericDigits--;
  if (decimal) numericDigits--;
  if (negative) numericDigits--;
  if (numericDigits === 0) return fail(sc, 'invalid number') ?? i;
  sc.numberExact = false;
  if (isInt) {
    if (s.charCodeAt(i - 1) !== 105) return fail(sc, 'invalid number') ?? i;
    sc.numberKind = KIND_INTEGER;
    if (i - 1 - start >= 19 && !intInRange(s, start, i - 1, INT64_MIN, INT64_MAX)) {
      const text = s.slice(start, i - 1);
      return fail(sc, `unable to parse integer ${text}: strconv.ParseInt: parsing "${text}": value out of range`) ?? i;
    }
    return i;
  }
  if (isUnsigned) {
    if (!sc.allowUnsigned || s.charCodeAt(i - 1) !== 117 || negative) return fail(sc, 'invalid number') ?? i;
    sc.numberKind = KIND_UNSIGNED;
    if (i - 1 - start >= 20 && !intInRange(s, start, i - 1, 0n, 18446744073709551615n)) {
      const text = s.slice(start, i - 1);
      return fail(sc, `unable to parse unsigned ${text}: strconv.ParseUint: parsing "${text}": value out of range`) ?? i;
    }
    return i;
  }
  sc.numberKind = KIND_FLOAT;
  if (!scientific && digits <= 15) {
    const magnitude = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
    sc.numberValue = negative ? -magnitude : magnitude;
    sc.numberExact = true;
    return i;
  }
  const value = Number(s.slice(start, i));
  if (!Number.isFinite(value)) return fail(sc, 'invalid float') ?? i;
  sc.numberValue = value;
  sc.numberExact = true;
  return i;
}

function intInRange(s: string, start: number, end: number, min: bigint, max: bigint): boolean {
  const v = BigInt(s.slice(start, end));
  return v >= min && v <= max;
}

/** 1.6.7 `scanBoolean`: t T true True TRUE f F false False FALSE. */
function scanBoolean(sc: LineScanner, i: number): number {
  const s = sc.s;
  const end = sc.lineEnd;
  const start = i;
  const first = s.charCodeAt(i);
  if (i < end && first !== 116 && first !== 102 && first !== 84 && first !== 70) {
    return fail(sc, 'invalid boolean') ?? i;
  }
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === COMMA || c === SPACE) break;
    i++;
  }
  sc.numberKind = KIND_BOOLEAN;
  sc.numberValue = first === 116 || first === 84 ? 1 : 0;
  sc.numberExact = true;
  const length = i - start;
  if (length === 1) return i;
  const text = s.slice(start, i);
  const valid =
    text === 'true' || text === 'True' || text === 'TRUE' || text === 'false' || text === 'False' || text === 'FALSE';
  return valid ? i : (fail(sc, 'invalid boolean') ?? i);
}

/**
 * 1.6.7 `walkFields`: re-splits the validated field section the way 1.6.7 stores it. Keys end at
 * an `=` not preceded by a backslash; values end at an unquoted comma (`\"` and `\\` skipped).
 */
export function walkFields(sc: LineScanner, from: number, end: number): void {
  const s = sc.s;
  sc.fieldCount = 0;
  let p = from;
  while (p < end) {
    let i = p;
    while (i < end && !(s.charCodeAt(i) === EQUALS && (i === p || s.charCodeAt(i - 1) !== BACKSLASH))) i++;
    if (i > end - 2) {
      sc.err = `invalid value: field-key=${s.slice(p, i)}`;
      return;
    }
    let j = i + 1;
    let quoted = false;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH && j + 1 < end) {
        const next = s.charCodeAt(j + 1);
        if (next === QUOTE || next === BACKSLASH) {
          j += 2;
          continue;
        }
      }
      if (c === QUOTE) quoted = !quoted;
      else if (c === COMMA && !quoted) break;
      j++;
    }
    const keyStart = p;
    p = j < end ? j + 1 : j;
    // 1.6.7 types an empty value as Empty and stores nothing for it.
    if (j === i + 1) continue;
    const f = sc.fieldCount;
    if (f + 1 >= sc.fieldKeyStart.length) sc.growFields();
    sc.fieldKeyStart[f] = keyStart;
    sc.fieldEquals[f] = i;
    sc.fieldValueEnd[f] = j;
    sc.fieldKind[f] = walkedKind(s.charCodeAt(i + 1), s.charCodeAt(j - 1));
    sc.fieldNumber[f] = Number.NaN;
    sc.fieldCount = f + 1;
  }
}

/** 1.6.7 `FieldIterator.Next` typing: by first char, then the `i`/`u` suffix. */
function walkedKind(first: number, last: number): number {
  if (first === QUOTE) return KIND_STRING;
  // 0-9 - . n N i I u
  const numeric =
    (first >= 48 && first <= 57) || first === 45 || first === 46 || first === 110 || first === 78 ||
    first === 105 || first === 73 || first === 117;
  if (!numeric) return KIND_BOOLEAN;
  if (last === 105) return KIND_INTEGER;
  if (last === 117) return KIND_UNSIGNED;
  return KIND_FLOAT;
}
