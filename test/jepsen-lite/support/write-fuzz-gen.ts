// Seeded generator of hostile /write requests, interleaved with queries: odd names and escapes, bad
// UTF-8, many fields and tags, type flips, odd timestamps, gzip and bad gzip, odd headers and params.
// Pure: a seed in, request descriptions out; no I/O, no clock, no Math.random (gzip is computation).

import { gzipSync } from 'node:zlib';
import { Dice } from './query-fuzz-gen.js';

export interface WriteFuzzRequest {
  readonly index: number;
  /** How it was made, e.g. `tracked(gzip,many-fields)` or `hostile(bad-utf8)`; printed when it fails. */
  readonly origin: string;
  readonly kind: 'write' | 'query';
  /** URL parameters in order (a name may repeat). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /**
   * Tracked writes only: how many points the body holds, each its own series tagged `wz=<index>`
   * with an integer field `seq`, so the final check can count what every write stored.
   */
  readonly trackedPoints?: number;
}

export interface WriteFuzzOptions {
  readonly seed: number;
  readonly count: number;
  /** Only tracked writes go here (nothing else writes to it), so their points can be counted. */
  readonly trackedDb: string;
  /** Hostile and mutated writes go here (or to databases that do not exist). */
  readonly hostileDb: string;
  /** Also send what the server is known to get wrong (very long names); off so the run stays green. */
  readonly includeKnownIssues?: boolean;
}

const MAX_VALID_NS = 9_223_372_036_854_775_806n;
const MIN_VALID_NS = -9_223_372_036_854_775_806n;
/** Spellings of bytes and characters that parsers get wrong: escapes, quotes, multi-byte text. */
const NAME_PIECES = ['a', 'cpu', 'x y', 'a,b', 'k=v', '"q"', "it's", 'é', 'ß', '日本', '😀', '\u200b', '\\', 'tab\t', '#', '/re/', '*', '.', 'a\\,b', '-', '0'];
const STRING_PIECES = ['plain', 'with space', 'comma,', 'eq=', 'quote\\"', 'back\\\\slash', 'new\nline', 'é😀', '', '{"json":1}', "'single'"];

/** One spot of a name: plain text or escape-worthy characters, escaped as the line protocol wants. */
function rawName(dice: Dice, maxPieces: number): string {
  const n = 1 + dice.int(maxPieces);
  let out = '';
  for (let i = 0; i < n; i++) out += dice.pick(NAME_PIECES);
  // A backslash before a special character or at the end changes the line's structure.
  return out.replace(/\\+(?=[ ,="]|$)/g, '');
}

function escapeMeasurement(name: string): string {
  return name.replace(/[ ,]/g, (c) => `\\${c}`);
}

function escapeKey(name: string): string {
  return name.replace(/[ ,=]/g, (c) => `\\${c}`);
}

type FieldType = 'float' | 'integer' | 'unsigned' | 'boolean' | 'string';
const FIELD_TYPES: readonly FieldType[] = ['float', 'integer', 'unsigned', 'boolean', 'string'];

function fieldValue(dice: Dice, type: FieldType): string {
  switch (type) {
    case 'float':
      return dice.pick(['1', '-1.5', '0', '1e10', '-2.5E-3', '1.7976931348623157e308', '4.9e-324', String(dice.int(1_000_000) / 7)]);
    case 'integer':
      return `${dice.pick(['0', '-1', '9223372036854775807', '-9223372036854775808', String(dice.int(1_000_000))])}i`;
    case 'unsigned':
      // 1.6.7 refuses `u` integers ("invalid number"), so a valid line carries the key as an
      // integer (the same draws as before, so a seed keeps its plan); mutations still write `u`.
      return `${dice.pick(['0', '9223372036854775807', String(dice.int(1_000_000))])}i`;
    case 'boolean':
      return dice.pick(['t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE']);
    case 'string': {
      let s = '';
      const n = dice.int(4);
      for (let i = 0; i < n; i++) s += dice.pick(STRING_PIECES);
      return `"${s}"`;
    }
  }
}

/** A timestamp spelling for `precision` (or none: the server's clock). */
function timestamp(dice: Dice, precision: string, line: number): string {
  const perUnit: Record<string, bigint> = { ns: 1n, n: 1n, '': 1n, u: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
  const unit = perUnit[precision] ?? 1n;
  const choice = dice.int(10);
  if (choice === 0) return '';
  if (choice === 1) return ` ${MAX_VALID_NS / unit - BigInt(line)}`;
  if (choice === 2) return ` ${MIN_VALID_NS / unit + BigInt(line)}`;
  if (choice === 3) return ` ${-BigInt(line) - 1n}`;
  if (choice === 4) return ` ${BigInt(line)}`;
  const base = 1_677_628_800_000_000_000n + BigInt(dice.int(86_400)) * 1_000_000_000n + BigInt(line);
  return ` ${base / unit}`;
}

const PRECISIONS = ['', 'n', 'ns', 'u', 'ms', 's', 'm', 'h'];

interface TrackedWrite {
  readonly body: string;
  readonly points: number;
  readonly notes: string[];
  readonly precision: string;
}

/**
 * Hostile names drawn once per plan. Every new measurement, tag key or field key costs the flush
 * DDL (tens of milliseconds a column, and queries wait for the flush), so the schema stays small
 * and the run spends its budget on parsing and storing points.
 */
interface NamePools {
  readonly measurements: readonly string[];
  readonly tagKeys: readonly string[];
  readonly fieldKeys: readonly string[];
}

function namePools(dice: Dice, knownIssues: boolean): NamePools {
  const unique = (count: number, make: () => string): string[] => {
    const out = new Set<string>();
    while (out.size < count) out.add(make());
    return [...out];
  };
  // A line starting with # is a comment; an empty name is no point.
  const measurement = (): string => {
    const name = rawName(dice, dice.chance(0.1) ? 400 : 6);
    return name === '' || name.startsWith('#') ? `m${name}` : name;
  };
  return {
    measurements: [...['pool0', 'pool1', 'pool2'], ...unique(5, measurement)],
    // Known issue: long keys make the SQL of a wide SELECT pass ClickHouse's max_query_size (256 KiB).
    tagKeys: unique(16, () => `t${rawName(dice, knownIssues && dice.chance(0.05) ? 200 : 3)}`),
    fieldKeys: unique(24, () => `f${rawName(dice, knownIssues && dice.chance(0.05) ? 200 : 3)}`),
  };
}

/** Lines with hostile names and values that are valid line protocol, each its own series. */
function trackedWrite(dice: Dice, index: number, pools: NamePools): TrackedWrite {
  const notes: string[] = [];
  const precision = dice.pick(PRECISIONS);
  const points = 1 + dice.int(dice.chance(0.1) ? 200 : 6);
  const lines: string[] = [];
  const manyFields = dice.chance(0.08);
  const manyTags = dice.chance(0.08);
  if (manyFields) notes.push('many-fields');
  if (manyTags) notes.push('many-tags');
  for (let line = 0; line < points; line++) {
    // `v` has one type per measurement, except now and then (a type flip: a 400, not a loss).
    const which = dice.int(pools.measurements.length);
    const measurement = pools.measurements[which] ?? 'pool0';
    const vType = dice.chance(0.03) ? dice.pick(FIELD_TYPES) : (FIELD_TYPES[which % FIELD_TYPES.length] ?? 'float');
    const tags = new Map<string, string>([['wz', String(index)], ['ln', String(line)]]);
    const tagCount = manyTags ? 8 + dice.int(8) : dice.int(4);
    for (let i = 0; i < tagCount; i++) tags.set(dice.pick(pools.tagKeys), rawName(dice, 4) || 'v');
    const fields: string[] = [`seq=${line}i`, `v=${fieldValue(dice, vType)}`];
    const fieldCount = manyFields ? 12 + dice.int(12) : dice.int(4);
    const fieldKeys = new Set<string>();
    for (let i = 0; i < fieldCount; i++) fieldKeys.add(dice.pick(pools.fieldKeys));
    // Other fields keep one type per key for the whole plan, so only `v` conflicts.
    for (const key of fieldKeys) fields.push(`${escapeKey(key)}=${fieldValue(dice, FIELD_TYPES[key.length % FIELD_TYPES.length] ?? 'float')}`);
    const tagText = [...tags].map(([k, v]) => `,${escapeKey(k)}=${escapeKey(v)}`).join('');
    lines.push(`${escapeMeasurement(measurement)}${tagText} ${fields.join(',')}${timestamp(dice, precision, line)}`);
  }
  // 1.6.7 refuses CRLF line ends ("bad timestamp"), so only mutated bodies get them.
  const blank = dice.chance(0.2) ? '\n# a comment\n  \n' : '';
  return { body: blank + lines.join('\n') + (dice.chance(0.5) ? '\n' : ''), points, notes, precision };
}

/** Byte-level damage to a body: flips, cuts, inserted specials, bad UTF-8, duplicated spans. */
function mutate(dice: Dice, body: Buffer, notes: string[]): Buffer {
  let bytes = Buffer.from(body);
  const steps = 1 + dice.int(4);
  for (let s = 0; s < steps; s++) {
    const at = bytes.length === 0 ? 0 : dice.int(bytes.length);
    const kind = dice.int(6);
    if (kind === 0) {
      notes.push('flip');
      if (bytes.length > 0) bytes[at] = dice.int(256);
    } else if (kind === 1) {
      notes.push('cut');
      bytes = bytes.subarray(0, at);
    } else if (kind === 2) {
      notes.push('insert');
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(dice.pick([' ', ',', '=', '"', '\\', '\n', '\r\n', '\0', 'i', 'u', '.', 'e', '-', '#'])), bytes.subarray(at)]);
    } else if (kind === 3) {
      notes.push('bad-utf8');
      const bad = dice.pick([[0xff], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]);
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]);
    } else if (kind === 4) {
      notes.push('duplicate');
      const end = Math.min(bytes.length, at + 1 + dice.int(200));
      bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
    } else {
      notes.push('delete');
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + 1 + dice.int(8)))]);
    }
  }
  return bytes;
}

/** Bodies no valid write looks like: limits, odd numbers, odd structure. */
function hostileBody(dice: Dice, notes: string[], knownIssues: boolean): Buffer {
  const kind = dice.int(9);
  const big = (n: number): string => 'x'.repeat(n);
  switch (kind) {
    case 0:
      notes.push('huge-names');
      return Buffer.from(`${big(70_000)},${big(70_000)}=${big(70_000)} ${big(70_000)}=1`);
    case 1:
      notes.push('many-fields');
      // Known issue: thousands of new columns stall the flush, and every query waits on it, for minutes.
      return Buffer.from(`wide ${Array.from({ length: knownIssues ? 5_000 + dice.int(5_000) : 20 + dice.int(40) }, (_, i) => `f${i}=${i}`).join(',')}`);
    case 2:
      notes.push('many-tags');
      // Known issue: the flush's ALTER TABLE for thousands of new tag keys passes max_query_size and
      // fails for good, so every later query fails (a poison write).
      return Buffer.from(`tall,${Array.from({ length: knownIssues ? 1_000 + dice.int(3_000) : 20 + dice.int(40) }, (_, i) => `t${i}=v`).join(',')} v=1`);
    case 3:
      notes.push('odd-timestamps');
      return Buffer.from(['9223372036854775807', '-9223372036854775808', '1e30', '1.5', '0x10', '-0', '+5', '99999999999999999999', '1_000', ' 1'].map((t, i) => `ts v=${i} ${t}`).join('\n'));
    case 4:
      notes.push('type-flips');
      return Buffer.from(['flip v=1', 'flip v=1i', 'flip v=1u', 'flip v=true', 'flip v="s"', 'flip time=1', 'flip,time=x v=1', 'flip _field=1'].join('\n'));
    case 5:
      notes.push('odd-structure');
      return Buffer.from(dice.pick(['m', 'm,', 'm v', 'm v=', 'm,t= v=1', 'm,=x v=1', ',t=x v=1', 'm  v=1', 'm v=1,', 'm v=1 1 2', 'm v="unterminated', 'm\tv=1', '\n\n\n', '#only a comment', 'm v=1\\']));
    case 6:
      notes.push('odd-strings');
      return Buffer.from(`str s="${big(70_000)}",q="\\"",b="\\\\",n="a\nb"\nstr s="\0nul"`);
    case 7:
      notes.push('binary');
      return Buffer.from(Array.from({ length: 1 + dice.int(2_000) }, () => dice.int(256)));
    default:
      notes.push('empty');
      return Buffer.alloc(0);
  }
}

/** gzip (maybe truncated or corrupted) or a wrong Content-Encoding; picks the notes it applied. */
function encode(dice: Dice, body: Buffer, notes: string[], options: { tracked: boolean; knownIssues: boolean }): { body: Buffer; headers: Record<string, string> } {
  const { tracked } = options;
  const headers: Record<string, string> = {};
  const contentType = dice.pick([undefined, undefined, 'text/plain; charset=utf-8', '', 'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text', 'bogus value']);
  // influxd reads the body whatever the Content-Type says, an empty or malformed one too.
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (dice.chance(0.25)) {
    notes.push('gzip');
    headers['content-encoding'] = 'gzip';
    const zipped = gzipSync(body);
    if (tracked) return { body: zipped, headers };
    const damage = dice.int(4);
    if (damage === 0) return { body: zipped, headers };
    notes.push(['', 'gzip-truncated', 'gzip-corrupt', 'gzip-not-gzip'][damage] ?? '');
    if (damage === 1) return { body: zipped.subarray(0, Math.max(1, zipped.length - 1 - dice.int(8))), headers };
    if (damage === 2) {
      const copy = Buffer.from(zipped);
      const at = 10 + dice.int(Math.max(1, copy.length - 18));
      copy[at] = (copy[at] ?? 0) ^ 0xff;
      return { body: copy, headers };
    }
    return { body, headers };
  }
  if (!tracked && dice.chance(0.05)) {
    notes.push('odd-encoding');
    headers['content-encoding'] = dice.pick(['deflate', 'br', 'identity', 'gzip, gzip', 'GZIP']);
  }
  return { body, headers };
}

function writeParams(dice: Dice, db: string, precision: string, tracked: boolean): Array<[string, string]> {
  const params: Array<[string, string]> = [['db', db]];
  if (precision !== '' || dice.chance(0.1)) params.push(['precision', precision]);
  if (dice.chance(0.2)) params.push(['consistency', dice.pick(tracked ? ['any', 'one', 'quorum', 'all'] : ['any', 'all', 'bogus', '', 'ONE'])]);
  if (!tracked && dice.chance(0.1)) params.push(['precision', dice.pick(['x', 'NS', 'µ', 'us', '1s', ''])]);
  if (!tracked && dice.chance(0.05)) params.push(['rp', dice.pick(['autogen', 'nope', ''])]);
  return params;
}

const QUERIES = ['SELECT count(*) FROM /.*/', 'SHOW MEASUREMENTS LIMIT 20', 'SHOW FIELD KEYS', 'SHOW TAG KEYS LIMIT 5', 'SHOW SERIES LIMIT 10', 'SELECT * FROM /.*/ LIMIT 3', 'SELECT last(*) FROM /.*/', 'SHOW TAG VALUES WITH KEY =~ /./ LIMIT 5'];

export function planWriteFuzz(options: WriteFuzzOptions): WriteFuzzRequest[] {
  const dice = new Dice(options.seed);
  const pools = namePools(dice, options.includeKnownIssues === true);
  const out: WriteFuzzRequest[] = [];
  for (let index = 0; index < options.count; index++) {
    const roll = dice.int(10);
    if (roll < 1) {
      const db = dice.chance(0.5) ? options.trackedDb : options.hostileDb;
      out.push({ index, origin: 'query', kind: 'query', params: [['db', db], ['q', dice.pick(QUERIES)]], headers: {}, body: Buffer.alloc(0) });
    } else if (roll < 6) {
      const write = trackedWrite(dice, index, pools);
      const encoded = encode(dice, Buffer.from(write.body), write.notes, { tracked: true, knownIssues: options.includeKnownIssues === true });
      const params = writeParams(dice, options.trackedDb, write.precision, true);
      out.push({ index, origin: `tracked(${write.notes.join(',')})`, kind: 'write', params, headers: encoded.headers, body: encoded.body, trackedPoints: write.points });
    } else {
      const notes: string[] = [];
      const body = roll < 8 ? mutate(dice, Buffer.from(trackedWrite(dice, index, pools).body.replace(/\bwz=/g, 'mz=')), notes) : hostileBody(dice, notes, options.includeKnownIssues === true);
      const encoded = encode(dice, body, notes, { tracked: false, knownIssues: options.includeKnownIssues === true });
      const db = dice.chance(0.9) ? options.hostileDb : dice.pick(['nope', '', options.hostileDb.toUpperCase(), 'a"b']);
      out.push({ index, origin: `hostile(${notes.join(',')})`, kind: 'write', params: writeParams(dice, db, dice.pick(PRECISIONS), false), headers: encoded.headers, body: encoded.body });
    }
  }
  return out;
}
