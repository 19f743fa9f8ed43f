// Scratch state of one parse call and the char codes the line protocol scanners share.
// Pure data; the scanners in parser.ts and field-scan.ts record positions here instead of allocating.

import type { FieldType } from '../model/point.js';

export const TAB = 9;
export const LF = 10;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const COMMA = 44;
export const EQUALS = 61;
export const BACKSLASH = 92;

export const KIND_FLOAT = 0;
export const KIND_INTEGER = 1;
export const KIND_UNSIGNED = 2;
export const KIND_BOOLEAN = 3;
export const KIND_STRING = 4;
export const FIELD_TYPES: readonly FieldType[] = ['float', 'integer', 'unsigned', 'boolean', 'string'];
export const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);

export interface SeriesEntry {
  readonly measurement: string;
  readonly tags: readonly string[];
  /** Field keys and types of the last point of this series whose keys needed no unescaping. */
  fieldKeys: readonly string[] | null;
  fieldTypes: readonly FieldType[] | null;
}

export const SERIES_CACHE_MAX = 10_000;

/** Per-call scratch: positions of the current line's tags and fields (no per-line allocation). */
export class LineScanner {
  s = '';
  lineEnd = 0;
  allowUnsigned = false;
  tagCount = 0;
  tagKeyStart = new Int32Array(16);
  tagEquals = new Int32Array(16);
  tagValueEnd = new Int32Array(16);
  fieldCount = 0;
  fieldsNeedWalk = false;
  fieldKeyStart = new Int32Array(16);
  fieldEquals = new Int32Array(16);
  fieldValueEnd = new Int32Array(16);
  fieldKind = new Uint8Array(16);
  fieldNumber = new Float64Array(16);
  series = new Map<string, SeriesEntry>();
  countedTo = 0;
  lineNumber = 1;
  /** Next position (≥ the current line's start) of a backslash or a quote in `s`, or s.length. */
  nextBackslash = -1;
  nextQuote = -1;
  /** Next space at or after the current line's start (≥ 2^32 - 1 when none: -1 >>> 0). */
  nextSpace = -1;
  /** Set by a scan step that failed: 1.6.7's reason. */
  err: string | null = null;
  // scanNumber outputs
  numberKind = KIND_FLOAT;
  numberValue = 0.5;
  numberExact = false;

  growTags(): void {
    const size = this.tagKeyStart.length * 2;
    this.tagKeyStart = grow(this.tagKeyStart, size);
    this.tagEquals = grow(this.tagEquals, size);
    this.tagValueEnd = grow(this.tagValueEnd, size);
  }

  growFields(): void {
    const size = this.fieldKeyStart.length * 2;
    this.fieldKeyStart = grow(this.fieldKeyStart, size);
    this.fieldEquals = grow(this.fieldEquals, size);
    this.fieldValueEnd = grow(this.fieldValueEnd, size);
    const kinds = new Uint8Array(size);
    kinds.set(this.fieldKind);
    this.fieldKind = kinds;
    const numbers = new Float64Array(size);
    numbers.set(this.fieldNumber);
    this.fieldNumber = numbers;
  }
}

/**
 * Where the next backslash or quote at or after `pos` is (s.length when none): lines before it
 * need no escape or quote handling. Each is searched again only once passed, so a body costs
 * one native scan per character kind.
 */
export function nextSpecial(sc: LineScanner, pos: number): number {
  if (sc.nextBackslash < pos) sc.nextBackslash = indexOrEnd(sc.s, '\\', pos);
  if (sc.nextQuote < pos) sc.nextQuote = indexOrEnd(sc.s, '"', pos);
  return sc.nextBackslash < sc.nextQuote ? sc.nextBackslash : sc.nextQuote;
}

function indexOrEnd(s: string, char: string, pos: number): number {
  const found = s.indexOf(char, pos);
  return found === -1 ? s.length : found;
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Records 1.6.7's reason for the current line; returns null so callers can `return fail(…)`. */
export function fail(sc: LineScanner, reason: string): null {
  sc.err = reason;
  return null;
}
