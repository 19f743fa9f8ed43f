// Exact comparison of InfluxDB JSON responses: structure, key order and values, floats within a tolerance.
// Parses JSON itself so key order and number literals survive (JSON.parse reorders integer keys, rounds int64).

export type JsonNode =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> };

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
  }
}

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const maxDepth = 256;

/** Parses JSON text into a tree that keeps object key order and number literals verbatim. */
export function parseJsonPreserving(text: string): JsonNode {
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
  };
  const str = (): string => {
    // Reuse JSON.parse for escapes; find the closing quote ourselves.
    const start = pos;
    pos++;
    while (pos < text.length) {
      const c = text[pos];
      if (c === '\\') pos += 2;
      else if (c === '"') break;
      else pos++;
    }
    if (pos >= text.length) throw new JsonSyntaxError('unterminated string', start);
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const value = (depth: number): JsonNode => {
    if (depth > maxDepth) throw new JsonSyntaxError('nesting too deep', pos);
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<readonly [string, JsonNode]> = [];
      ws();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', entries };
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') throw new JsonSyntaxError('expected key', pos);
        const key = str();
        ws();
        if (text[pos] !== ':') throw new JsonSyntaxError('expected ":"', pos);
        pos++;
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return { kind: 'object', entries };
        } else throw new JsonSyntaxError('expected "," or "}"', pos);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return { kind: 'array', items };
        } else throw new JsonSyntaxError('expected "," or "]"', pos);
      }
    }
    if (c === '"') return { kind: 'string', value: str() };
    if (text.startsWith('true', pos)) {
      pos += 4;
      return { kind: 'bool', value: true };
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return { kind: 'bool', value: false };
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return { kind: 'null' };
    }
    numberPattern.lastIndex = pos;
    const m = numberPattern.exec(text);
    if (m === null) throw new JsonSyntaxError('unexpected character', pos);
    pos += m[0].length;
    return { kind: 'number', text: m[0] };
  };
  const root = value(0);
  ws();
  if (pos !== text.length) throw new JsonSyntaxError('trailing characters', pos);
  return root;
}

/** Serialises a tree back to JSON: scalar-only arrays on one line, everything else indented. */
export function formatJsonNode(node: JsonNode, indent = ''): string {
  switch (node.kind) {
    case 'null':
      return 'null';
    case 'bool':
      return node.value ? 'true' : 'false';
    case 'number':
      return node.text;
    case 'string':
      return JSON.stringify(node.value);
    case 'array': {
      if (node.items.length === 0) return '[]';
      if (node.items.every((i) => i.kind !== 'array' && i.kind !== 'object')) {
        return `[${node.items.map((i) => formatJsonNode(i)).join(',')}]`;
      }
      const inner = indent + '  ';
      return `[\n${node.items.map((i) => inner + formatJsonNode(i, inner)).join(',\n')}\n${indent}]`;
    }
    case 'object': {
      if (node.entries.length === 0) return '{}';
      const inner = indent + '  ';
      const lines = node.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJsonNode(v, inner)}`);
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
  }
}

/** Compact single-line rendering for diff messages, truncated. */
export function renderShort(node: JsonNode, maxChars = 160): string {
  const compact = formatJsonNode(node).replace(/\n\s*/g, '');
  return compact.length > maxChars ? `${compact.slice(0, maxChars)}…` : compact;
}

export interface CompareOptions {
  /** Relative tolerance for non-integer numbers; default 1e-9. */
  readonly relativeTolerance?: number;
  /** Stop collecting after this many differences; default 20. */
  readonly maxDiffs?: number;
}

export interface Comparison {
  readonly equal: boolean;
  /** One line per difference: `path: expected X, got Y`. */
  readonly diffs: readonly string[];
}

const integerLiteral = /^-?\d+$/;

export function numbersEqual(expected: string, actual: string, relativeTolerance: number): boolean {
  if (expected === actual) return true;
  if (integerLiteral.test(expected) && integerLiteral.test(actual)) return BigInt(expected) === BigInt(actual);
  const a = Number(expected);
  const b = Number(actual);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** Compares two trees; `expected` is the oracle. Key order matters, as it does to byte-comparing clients. */
export function compareJson(expected: JsonNode, actual: JsonNode, options: CompareOptions = {}): Comparison {
  const tolerance = options.relativeTolerance ?? 1e-9;
  const maxDiffs = options.maxDiffs ?? 20;
  const diffs: string[] = [];
  const walk = (e: JsonNode, a: JsonNode, path: string): void => {
    if (diffs.length >= maxDiffs) return;
    if (e.kind !== a.kind) {
      diffs.push(`${path}: expected ${renderShort(e)}, got ${renderShort(a)}`);
      return;
    }
    switch (e.kind) {
      case 'null':
        return;
      case 'bool':
      case 'string':
        if (e.value !== (a as typeof e).value) diffs.push(`${path}: expected ${renderShort(e)}, got ${renderShort(a)}`);
        return;
      case 'number':
        if (!numbersEqual(e.text, (a as typeof e).text, tolerance)) diffs.push(`${path}: expected ${e.text}, got ${(a as typeof e).text}`);
        return;
      case 'array': {
        const items = (a as typeof e).items;
        if (e.items.length !== items.length) {
          diffs.push(`${path}: expected ${e.items.length} items, got ${items.length}`);
        }
        const n = Math.min(e.items.length, items.length);
        for (let i = 0; i < n; i++) walk(e.items[i] as JsonNode, items[i] as JsonNode, `${path}[${i}]`);
        if (e.items.length !== items.length && diffs.length < maxDiffs) {
          const extra = e.items.length > n ? e.items[n] : items[n];
          if (extra !== undefined) {
            diffs.push(`${path}[${n}]: first ${e.items.length > n ? 'missing' : 'extra'} item ${renderShort(extra)}`);
          }
        }
        return;
      }
      case 'object': {
        const entries = (a as typeof e).entries;
        const ek = e.entries.map(([k]) => k);
        const ak = entries.map(([k]) => k);
        if (ek.join('\u0000') !== ak.join('\u0000')) {
          diffs.push(`${path}: expected keys ${JSON.stringify(ek)}, got ${JSON.stringify(ak)}`);
        }
        const actualByKey = new Map(entries);
        for (const [k, v] of e.entries) {
          const other = actualByKey.get(k);
          if (other !== undefined) walk(v, other, `${path}.${k}`);
        }
        return;
      }
    }
  };
  walk(expected, actual, '$');
  return { equal: diffs.length === 0, diffs };
}

/** One HTTP answer to a query: status code and body text (or body tree when read from a golden file). */
export interface QueryResponse {
  readonly status: number;
  readonly body: JsonNode | string;
}

/**
 * Parses a response body: one JSON document, or (chunked=true) newline-separated documents as an array node.
 * InfluxDB never answers with a top-level array, so the array form cannot be confused with a real body.
 * Anything else (CSV, plain text) stays a string.
 */
export function parseResponseBody(text: string): JsonNode | string {
  try {
    return parseJsonPreserving(text);
  } catch {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) return text;
    try {
      return { kind: 'array', items: lines.map((l) => parseJsonPreserving(l)) };
    } catch {
      return text;
    }
  }
}

function asNode(body: JsonNode | string): JsonNode | string {
  return typeof body === 'string' ? parseResponseBody(body) : body;
}

/** Compares status and body; a body that is not JSON (nor chunked JSON) is compared as exact text. */
export function compareResponses(expected: QueryResponse, actual: QueryResponse, options: CompareOptions = {}): Comparison {
  const diffs: string[] = [];
  if (expected.status !== actual.status) diffs.push(`status: expected ${expected.status}, got ${actual.status}`);
  const e = asNode(expected.body);
  const a = asNode(actual.body);
  if (typeof e === 'string' || typeof a === 'string') {
    // Non-JSON bodies (CSV, plain text) must match byte for byte; show where they first part.
    const et = typeof e === 'string' ? e : formatJsonNode(e);
    const at = typeof a === 'string' ? a : formatJsonNode(a);
    if (et !== at) {
      let i = 0;
      while (i < et.length && i < at.length && et[i] === at[i]) i++;
      const from = Math.max(0, i - 40);
      diffs.push(`body differs at char ${i}: expected ${JSON.stringify(et.slice(from, i + 80))}, got ${JSON.stringify(at.slice(from, i + 80))}`);
    }
  } else {
    diffs.push(...compareJson(e, a, options).diffs);
  }
  return { equal: diffs.length === 0, diffs };
}
