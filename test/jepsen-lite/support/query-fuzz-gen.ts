// Seeded generator of hostile /query requests: mutated corpus queries and grammar-guided statements.
// Pure: a seed and the corpus in, request descriptions out; it never does I/O, reads the clock or calls Math.random.

import type { CorpusEntry } from '../../query-corpus/corpus.js';
import { datasetStartNs, seededRandom } from '../../support/dataset.js';
import { KEYWORDS } from '../../../src/core/query/language/lexer.js';

export interface FuzzRequest {
  readonly index: number;
  /** How it was made, e.g. `mutate(gbt-1m: swap,insert)`; printed when it fails. */
  readonly origin: string;
  readonly method: 'GET' | 'POST';
  /** POST the parameters as an x-www-form-urlencoded body instead of the URL. */
  readonly form: boolean;
  /** In order; a name may repeat (the server must take the first). */
  readonly params: ReadonlyArray<readonly [string, string]>;
  readonly accept: string | null;
}

export interface FuzzPlanOptions {
  readonly seed: number;
  readonly count: number;
  readonly corpus: readonly CorpusEntry[];
  /** Database the corpus queries name; requests that could change data are sent to `scratchDb` instead. */
  readonly db: string;
  readonly scratchDb: string;
  /** Also send what knownIssue() names (to check a fix); off by default so the run stays green. */
  readonly includeKnownIssues?: boolean;
}

/** GET URLs longer than this go as POST form bodies: node's HTTP parser caps the request line near 16 KiB. */
const maxUrlChars = 8_000;
/** Fill work the grammar keeps below: between this and the server's bound a fill is slow, not wrong. */
const cheapFillBuckets = 20_000n;
/** The server's default bound on filled buckets per statement (max-select-buckets, summed over series). */
const serverMaxSelectBuckets = 1_000_000n;

export class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

// ---- vocabulary -----------------------------------------------------------------------------
// Each spot draws from a plain list (so statements parse and run) and, with `hostileShare`, from a
// hostile one (so they probe limits and error paths).

const hostileShare = 0.2;
const ns = { s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n };
const longA = 'a'.repeat(32);

interface Words {
  readonly plain: readonly string[];
  readonly hostile: readonly string[];
}

function draw(d: Dice, words: Words): string {
  return d.chance(hostileShare) ? d.pick(words.hostile) : d.pick(words.plain);
}

const measurements: Words = {
  plain: ['cpu', 'cpu', 'mem', 'disk', 'events', 'fuzz', 'fuzz', '"weird measurement"', '"net.if"', '"select"', '"unicode_µ"', '/.*/', '/^c/', 'corpus.autogen.cpu', 'autogen.mem'],
  hostile: ['nosuch', '/(a+)+$/', '/^(u|un)*icode/', '"corpus"."autogen"."disk"', 'corpus..cpu', 'nosuchrp.cpu', `"${'m'.repeat(3000)}"`, '"😀"'],
};
const fields: Words = {
  plain: ['usage_user', 'usage_system', 'usage_idle', 'cores', 'used', 'free', 'used_percent', 'used_bytes', 'healthy', 'mode', 'count', 'message', '"duration"', 'value', '"field with space"', 'rx', 'text', 'temperature', 'f', 'i', 's', 'b'],
  hostile: ['nosuchfield', 'time', 'host', 'host::tag', 'usage_user::field', 'usage_user::integer', 'mode::string', 'f::boolean', '"µ"', '"a\\"b"', '*'],
};
const tags: Words = {
  plain: ['host', 'region', 'env', 'path', 'kind', 'severity', 'iface', '"name"', 'label'],
  // `name` and `duration` are keywords: bare, they are parse errors.
  hostile: ['"tag with space"', 'ort', 'nosuchtag', 'time', '*', 'usage_user', 'name'],
};
const tagValues: Words = {
  plain: ["'server01'", "'server02'", "'us-west'", "''", `'${longA}!'`, "'k1'"],
  hostile: [`'${longA}'`, "'a\\'b'", "'😀'", "'\\\\'", `'${'v'.repeat(5000)}'`],
};
/** Backtracking-shaped regexes are valid: they must run (over tag values like aaa…a!) and finish. */
export const regexes: Words = {
  plain: ['/.*/', '/^server0[12]$/', '/(?i)SERVER/', '/\\d+/', '/^$/', '/(a+)+$/', '/^(a|a)*$/', '/(.*a){20}/', '/(a|aa)+$/', '/([a-z]+)*!$/'],
  hostile: ['/(/', '/[/', '/*a/', `/${'a'.repeat(5000)}/`, '//', '/a{1000}/', '/a{1000}{1000}/', '/\\p{L}+/', '/\\//', '/(?P<n>x)/'],
};
const numbers: Words = {
  plain: ['0', '1', '3', '10', '50', '99.9', '-1.5'],
  hostile: [
    '1e309', '-1e309', '1e308', '4.9e-324', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
    '18446744073709551615', '18446744073709551616', '99999999999999999999999999999', '-0', '1.', '.5', '00001', 'NaN', 'Infinity', '0x1F',
  ],
};
const durations: Words = {
  plain: ['1s', '10s', '1m', '5m', '1h', '1d'],
  hostile: [
    '0s', '0ns', '1ns', '1u', '1µ', '-1s', '9223372036854775807ns', '9223372036854775808ns', '106751d', '106752d', '15250w',
    '99999999999999999999w', '1h1m', '1.5h', '1y', '1d2h',
  ],
};
const hostileStrings = [
  "''", "'\\'", "'\\\\'", "'a\\nb'", "'2023-03-01T00:00:00Z'", "'1677-09-21T00:12:43.145224191Z'", "'2262-04-11T23:47:16.854775808Z'",
  "'0000-01-01T00:00:00Z'", "'9999-12-31T23:59:59.999999999Z'", "'2023-03-01'", "'2023-03-01 00:00:00'", "'now()'", "'\u0000'",
  "'😀'", `'${'x'.repeat(20_000)}'`, "'\\u0041'", "'%s%n'",
];
const hostileIdents = [
  `"${'i'.repeat(1000)}"`, `"${'i'.repeat(60_000)}"`, `${'x'.repeat(20_000)}`, '"a\\"b"', '"😀"', '"\u0000"', '""', 'time', '"time"',
  'a.b.c.d', '_', '__proto__', 'constructor', 'toString', '"\\\\"', 'İ', 'ß', '"\u202e"',
];
const punctuation = ['(', ')', ',', ';', ':', '::', '.', '*', '/', '+', '-', '%', '&', '|', '^', '=', '!=', '=~', '!~', '<', '<=', '>', '>=', '<>', '"', "'", '`', '\\', '\\\\', '$', '$x', '--', '/*', '::field', '::tag', '!'];
const unicodeNoise = ['µ', 'ü', '€', '😀', '\u0000', '\u0001', '\u007f', '\u200b', '\ufeff', '\uffff', '\ud800', '\u2028', '\r\n', '\t', 'İ', 'ß', '\u0085', '\u00a0'];
const functions: Words = {
  plain: [
    'count', 'mean', 'median', 'mode', 'spread', 'stddev', 'sum', 'integral', 'first', 'last', 'max', 'min', 'percentile', 'sample',
    'top', 'bottom', 'distinct', 'derivative', 'non_negative_derivative', 'difference', 'non_negative_difference', 'moving_average',
    'cumulative_sum', 'elapsed', 'abs', 'acos', 'atan2', 'ceil', 'exp', 'floor', 'ln', 'log', 'pow', 'round', 'sqrt',
    'chande_momentum_oscillator', 'exponential_moving_average', 'kaufmans_efficiency_ratio', 'relative_strength_index', 'triple_exponential_derivative',
  ],
  hostile: ['holt_winters', 'holt_winters_with_fit', 'nosuchfunc', 'now', 'time', 'fill', 'tz', 'COUNT', 'distinct'],
};
const intervals: ReadonlyArray<readonly [string, bigint]> = [
  ['0s', 0n], ['1ns', 1n], ['1u', 1_000n], ['1ms', 1_000_000n], ['1s', ns.s], ['10s', 10n * ns.s], ['1m', ns.m], ['5m', 5n * ns.m],
  ['1h', ns.h], ['1d', ns.d], ['1w', 7n * ns.d], ['1000w', 7000n * ns.d], ['9223372036854775807ns', 9223372036854775807n], ['-1s', -ns.s],
];
const fills: Words = {
  plain: ['', '', 'fill(none)', 'fill(null)', 'fill(0)', 'fill(-1.5)', 'fill(previous)', 'fill(linear)'],
  hostile: ["fill('x')", 'fill()', 'fill(1, 2)', 'fill(9223372036854775807)', 'fill(1e308)', 'fill(usage_user)'],
};
const limits: Words = { plain: ['0', '1', '3', '10', '1000'], hostile: ['9223372036854775807', '99999999999999999999', '-1', '1.5', 'x'] };
const orders: Words = { plain: ['ORDER BY time DESC', 'ORDER BY time ASC', 'ORDER BY time'], hostile: ['ORDER BY host', 'ORDER BY time, host', 'ORDER BY DESC'] };
const zones: Words = {
  plain: ["tz('America/New_York')", "tz('UTC')", "tz('Australia/Lord_Howe')", "tz('Asia/Kathmandu')"],
  hostile: ["tz('Invalid/Zone')", "tz('')", 'tz()', 'tz(1)', "tz('../../etc/passwd')"],
};
const dbNames: Words = { plain: ['corpus', 'scratch'], hostile: ['nosuch', '_internal', '"corpus"', '""'] };

interface TimeBound {
  readonly text: string;
  /** Absolute ns, or undefined when it depends on now() or is not a time at all. */
  readonly abs?: bigint;
  /** Offset from now() in ns, when the bound is now()-relative. */
  readonly rel?: bigint;
}

const dataStart = datasetStartNs;
const timeBounds: { readonly plain: readonly TimeBound[]; readonly hostile: readonly TimeBound[] } = {
  plain: [
    { text: "'2023-03-01T00:00:00Z'", abs: dataStart },
    { text: "'2023-03-01T01:00:00Z'", abs: dataStart + ns.h },
    { text: "'2023-03-01T02:00:00Z'", abs: dataStart + 2n * ns.h },
    { text: "'2023-02-28T00:00:00Z'", abs: dataStart - ns.d },
    { text: '1677628800000000000', abs: dataStart },
    { text: '1677628800s', abs: dataStart },
    { text: "'2023-03-01'", abs: dataStart },
    { text: 'now()', rel: 0n },
    { text: 'now() - 1h', rel: -ns.h },
  ],
  hostile: [
    { text: 'now() + 1h', rel: ns.h },
    { text: 'now() - 9223372036854775807ns' },
    { text: '0', abs: 0n },
    { text: "'1970-01-01T00:00:00Z'", abs: 0n },
    { text: '-9223372036854775806', abs: -9223372036854775806n },
    { text: '9223372036854775806', abs: 9223372036854775806n },
    { text: "'1677-09-21T00:12:43.145224194Z'", abs: -9223372036854775806n },
    { text: "'2262-04-11T23:47:16.854775806Z'", abs: 9223372036854775806n },
    { text: "'not a time'" },
    { text: '$t' },
  ],
};

function drawTime(d: Dice): TimeBound {
  return d.chance(hostileShare) ? d.pick(timeBounds.hostile) : d.pick(timeBounds.plain);
}

// ---- grammar --------------------------------------------------------------------------------

function callExpr(d: Dice, depth: number): string {
  const name = draw(d, functions);
  const arity = d.chance(1 - hostileShare) ? 1 + (d.chance(0.3) ? 1 : 0) : d.int(4);
  const args: string[] = [];
  for (let i = 0; i < arity; i++) {
    args.push(i === 0 ? argExpr(d, depth + 1) : d.pick([draw(d, numbers), draw(d, numbers), draw(d, durations), "'s'", argExpr(d, depth + 1)]));
  }
  return `${name}(${args.join(', ')})`;
}

function argExpr(d: Dice, depth: number): string {
  if (depth < 3 && d.chance(0.25)) return callExpr(d, depth);
  if (d.chance(0.08)) return d.pick(['*', '/usage/', 'distinct(host)', draw(d, regexes), '$f']);
  return draw(d, fields);
}

function fieldExpr(d: Dice): string {
  switch (d.int(8)) {
    case 0: return '*';
    case 1: return `${draw(d, fields)} ${d.pick(['+', '-', '*', '/', '%', '&', '|', '^'])} ${d.chance(0.5) ? draw(d, numbers) : draw(d, fields)}`;
    case 2: return `${callExpr(d, 0)} AS ${d.chance(hostileShare) ? d.pick(hostileIdents) : d.pick(['a', '"x y"', 'm'])}`;
    case 3: return draw(d, regexes);
    case 4: return `${draw(d, fields)}, ${draw(d, tags)}`;
    default: return d.chance(0.5) ? callExpr(d, 0) : draw(d, fields);
  }
}

function conditionExpr(d: Dice, depth: number): string {
  switch (d.int(8)) {
    case 0: return `${draw(d, tags)} ${d.pick(['=', '!=', '<>'])} ${draw(d, tagValues)}`;
    case 1: return `${draw(d, tags)} ${d.pick(['=~', '!~'])} ${draw(d, regexes)}`;
    case 2: return `${draw(d, fields)} ${d.pick(['>', '<', '>=', '=', '!='])} ${d.chance(0.7) ? draw(d, numbers) : d.pick(['true', "'rw'", '$v'])}`;
    case 3: return `time ${d.pick(['>', '<', '>=', '<=', '='])} ${drawTime(d).text}`;
    case 4: return depth < 2 ? `(${conditionExpr(d, depth + 1)}) ${d.pick(['AND', 'OR'])} (${conditionExpr(d, depth + 1)})` : 'true';
    case 5: return `${draw(d, fields)} ${d.pick(['=~', '!~'])} ${draw(d, regexes)}`;
    default: return `${draw(d, tags)} = ${draw(d, tagValues)} ${d.pick(['AND', 'OR'])} ${draw(d, fields)} > ${draw(d, numbers)}`;
  }
}

/** Bucket count of a GROUP BY time over [lo, hi), if it can be told without the clock. */
function bucketCount(lo: TimeBound | undefined, hi: TimeBound | undefined, everyNs: bigint): { min: bigint; max: bigint } | undefined {
  if (everyNs <= 0n) return { min: 1n, max: 1n };
  const lower = lo ?? { text: '', abs: dataStart };
  const upper = hi ?? { text: '', rel: 0n };
  if (lower.rel !== undefined && upper.rel !== undefined) {
    const n = (upper.rel - lower.rel) / everyNs;
    return { min: n, max: n };
  }
  // now() lies somewhere in 2025..2035 for as long as this test lives.
  const nowLo = 1_735_689_600_000_000_000n;
  const nowHi = 2_051_222_400_000_000_000n;
  const range = (b: TimeBound): [bigint, bigint] | undefined =>
    b.abs !== undefined ? [b.abs, b.abs] : b.rel !== undefined ? [nowLo + b.rel, nowHi + b.rel] : undefined;
  const l = range(lower);
  const h = range(upper);
  if (l === undefined || h === undefined) return undefined;
  return { min: (h[0] - l[1]) / everyNs, max: (h[1] - l[0]) / everyNs };
}

function selectStatement(d: Dice, depth = 0): string {
  const parts: string[] = [`SELECT ${Array.from({ length: 1 + d.int(3) }, () => fieldExpr(d)).join(', ')}`];
  if (d.chance(0.03)) parts.push(`INTO ${d.pick(['copy', 'scratch.autogen.copy', ':MEASUREMENT', 'scratch..:MEASUREMENT', d.pick(hostileIdents)])}`);
  const sources = Array.from({ length: 1 + (d.chance(0.15) ? d.int(3) : 0) }, () => draw(d, measurements)).join(', ');
  parts.push(`FROM ${depth < 3 && d.chance(0.12) ? `(${selectStatement(d, depth + 1)})` : sources}`);
  let lo: TimeBound | undefined;
  let hi: TimeBound | undefined;
  const where: string[] = [];
  if (d.chance(0.5)) where.push(conditionExpr(d, 0));
  if (d.chance(0.4)) {
    lo = drawTime(d);
    where.push(`time >= ${lo.text}`);
  }
  if (d.chance(0.3)) {
    hi = drawTime(d);
    where.push(`time < ${hi.text}`);
  }
  const joiner = d.chance(hostileShare) ? 'OR' : 'AND';
  if (where.length > 0) parts.push(`WHERE ${where.join(` ${joiner} `)}`);
  // Bounds joined by OR, or time tests inside other conditions, leave the range unknown.
  const rangeKnown = joiner === 'AND' && !where.some((w) => /\btime\b/.test(w) && !w.startsWith('time >= ') && !w.startsWith('time < '));
  const dims: string[] = [];
  let everyNs: bigint | undefined;
  if (d.chance(0.45)) {
    const [text, every] = d.pick(intervals);
    everyNs = every;
    dims.push(d.chance(0.2) ? `time(${text}, ${d.pick(['1m', '-1m', '9223372036854775807ns', '1h'])})` : `time(${text})`);
  }
  if (d.chance(0.35)) dims.push(d.chance(0.8) ? draw(d, tags) : d.pick(['/.*/', '*', draw(d, regexes)]));
  if (dims.length > 0) parts.push(`GROUP BY ${dims.join(', ')}`);
  let fill = draw(d, fills);
  if (everyNs !== undefined && fill !== 'fill(none)') {
    // A fill below the server's bound but over thousands of buckets only measures speed; keep the
    // fuzz run about failures. Far past the bound (even for one series) it is a quick statement error.
    const n = rangeKnown ? bucketCount(lo, hi, everyNs) : undefined;
    if (n === undefined || (n.max > cheapFillBuckets && n.min <= serverMaxSelectBuckets * 2n)) fill = 'fill(none)';
  }
  if (fill !== '') parts.push(fill);
  if (d.chance(0.15)) parts.push(draw(d, orders));
  for (const clause of ['LIMIT', 'OFFSET', 'SLIMIT', 'SOFFSET']) if (d.chance(0.15)) parts.push(`${clause} ${draw(d, limits)}`);
  if (d.chance(0.1)) parts.push(draw(d, zones));
  return parts.join(' ');
}

function showStatement(d: Dice): string {
  const on = (): string => (d.chance(0.2) ? ` ON ${draw(d, dbNames)}` : '');
  const from = (): string => (d.chance(0.4) ? ` FROM ${draw(d, measurements)}` : '');
  const where = (): string => (d.chance(0.3) ? ` WHERE ${conditionExpr(d, 0)}` : '');
  const page = (): string => (d.chance(0.2) ? ` LIMIT ${draw(d, limits)}` : '') + (d.chance(0.1) ? ` OFFSET ${draw(d, limits)}` : '');
  switch (d.int(12)) {
    case 0: return 'SHOW DATABASES';
    case 1: return `SHOW MEASUREMENTS${on()}${d.chance(0.4) ? ` WITH MEASUREMENT ${d.chance(0.6) ? `=~ ${draw(d, regexes)}` : `= ${draw(d, measurements)}`}` : ''}${where()}${page()}`;
    case 2: return `SHOW TAG KEYS${on()}${from()}${where()}${page()}`;
    case 3: {
      const key = d.pick([`= ${draw(d, tags)}`, `=~ ${draw(d, regexes)}`, `IN (${draw(d, tags)}, ${draw(d, tags)})`, `!= ${draw(d, tags)}`, '= ""']);
      return `SHOW TAG VALUES${on()}${from()} WITH KEY ${key}${where()}${page()}`;
    }
    case 4: return `SHOW FIELD KEYS${on()}${from()}${page()}`;
    case 5: return `SHOW SERIES${on()}${from()}${where()}${page()}`;
    case 6: return `SHOW RETENTION POLICIES${on()}`;
    case 7: return `SHOW ${d.pick(['SERIES', 'MEASUREMENT', 'TAG KEY', 'FIELD KEY', 'TAG VALUES'])}${d.chance(0.5) ? ' EXACT' : ''} CARDINALITY${on()}${from()}${d.chance(0.3) ? ' WITH KEY = host' : ''}${where()}`;
    case 8: return d.pick(['SHOW CONTINUOUS QUERIES', 'SHOW USERS', 'SHOW GRANTS FOR alice', 'SHOW SHARDS', 'SHOW SHARD GROUPS', 'SHOW STATS', 'SHOW DIAGNOSTICS', 'SHOW QUERIES', 'SHOW SUBSCRIPTIONS', `KILL QUERY ${draw(d, numbers)}`]);
    case 9: return `EXPLAIN${d.chance(0.5) ? ' ANALYZE' : ''} ${selectStatement(d)}`;
    case 10: return d.pick([
      'CREATE DATABASE fuzz_made', `CREATE RETENTION POLICY rp_${d.int(5)} ON scratch DURATION ${d.pick(['1h', '0s', 'INF', draw(d, durations)])} REPLICATION ${d.pick(['1', '0', '99999999999'])}${d.chance(0.3) ? ' DEFAULT' : ''}`,
      `DELETE FROM ${draw(d, measurements)} WHERE time < ${drawTime(d).text}`, `DROP SERIES FROM ${draw(d, measurements)} WHERE ${draw(d, tags)} = ${draw(d, tagValues)}`,
      `DROP MEASUREMENT ${draw(d, measurements)}`, 'DROP DATABASE fuzz_made', `ALTER RETENTION POLICY autogen ON scratch DURATION ${draw(d, durations)}`,
    ]);
    default: return `SHOW TAG VALUES WITH KEY = ${d.pick(['"name"', 'label', 'host'])} WHERE ${d.pick(['"name"', 'label', 'host'])} =~ ${draw(d, regexes)}`;
  }
}

// ---- mutation -------------------------------------------------------------------------------

const tokenPattern = /\s+|'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|\/(?:[^/\\\n]|\\.)+\/|[A-Za-z_][\w]*|\d[\w.µ]*|::|[!=<>]=|=~|!~|<>|[^]/gu;

function tokenize(text: string): string[] {
  return text.match(tokenPattern) ?? [];
}

const allRegexes = [...regexes.plain, ...regexes.hostile];
const insertPieces: readonly string[] = [...KEYWORDS, ...functions.plain.slice(0, 20), ...punctuation, ...unicodeNoise];

function wordIndexes(tokens: readonly string[]): number[] {
  return tokens.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));
}

function nestParens(text: string, depth: number): string {
  return `${'('.repeat(depth)}${text}${')'.repeat(depth)}`;
}

const shapeMutations = ['delete', 'duplicate', 'swap', 'truncate', 'insert', 'splice', 'case'] as const;
const valueMutations = ['number', 'duration', 'string', 'regex', 'ident', 'parens', 'subquery'] as const;

/** Applies one mutation; returns its name. */
function mutateOnce(d: Dice, tokens: string[], donor: readonly string[]): string {
  const words = wordIndexes(tokens);
  const at = words.length > 0 ? d.pick(words) : 0;
  const replaceWhere = (test: (t: string) => boolean, values: readonly string[]): boolean => {
    const hits = words.filter((i) => test(tokens[i] ?? ''));
    if (hits.length === 0) return false;
    tokens[d.pick(hits)] = d.pick(values);
    return true;
  };
  // Half the mutations change the shape (mostly parse errors), half change values (mostly executed).
  switch (d.chance(0.5) ? d.pick(shapeMutations) : d.pick(valueMutations)) {
    case 'delete': tokens.splice(at, 1); return 'delete';
    case 'duplicate': tokens.splice(at, 0, tokens[at] ?? '', ' '); return 'duplicate';
    case 'swap': {
      const other = words.length > 0 ? d.pick(words) : 0;
      [tokens[at], tokens[other]] = [tokens[other] ?? '', tokens[at] ?? ''];
      return 'swap';
    }
    case 'truncate': {
      const joined = tokens.join('');
      tokens.splice(0, tokens.length, joined.slice(0, d.int(joined.length + 1)));
      return 'truncate';
    }
    case 'insert': tokens.splice(at + d.int(2), 0, d.chance(0.5) ? ' ' : '', d.pick(insertPieces), d.chance(0.5) ? ' ' : ''); return 'insert';
    case 'number': return replaceWhere((t) => /^\d/.test(t) && !/[a-zµ]$/i.test(t), numbers.hostile) ? 'number' : (tokens.splice(at, 0, ` ${d.pick(numbers.hostile)} `), 'number+');
    case 'duration': return replaceWhere((t) => /^\d+(ns|u|µ|ms|s|m|h|d|w)$/.test(t), durations.hostile) ? 'duration' : (tokens.splice(at, 0, ` ${d.pick(durations.hostile)} `), 'duration+');
    case 'string': return replaceWhere((t) => t.startsWith("'"), hostileStrings) ? 'string' : (tokens.splice(at, 0, ` ${d.pick(hostileStrings)} `), 'string+');
    case 'regex': return replaceWhere((t) => t.startsWith('/') && t.length > 1, allRegexes) ? 'regex' : (tokens.splice(at, 0, ` =~ ${d.pick(allRegexes)} `), 'regex+');
    case 'ident': return replaceWhere((t) => /^[A-Za-z_"]/.test(t) && !KEYWORDS.includes(t.toUpperCase() as (typeof KEYWORDS)[number]), hostileIdents) ? 'ident' : 'ident-none';
    case 'parens': {
      const end = Math.min(tokens.length, at + 1 + d.int(4));
      const span = tokens.slice(at, end).join('');
      tokens.splice(at, end - at, nestParens(span, d.pick([1, 2, 10, 60, 200, 600])));
      return 'parens';
    }
    case 'splice': {
      const donorWords = wordIndexes(donor);
      const from = donorWords.length > 0 ? d.pick(donorWords) : 0;
      tokens.splice(at, 0, ' ', ...donor.slice(from, from + 1 + d.int(6)), ' ');
      return 'splice';
    }
    case 'case': {
      const joined = tokens.join('');
      const flipped = [...joined].map((c) => (d.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
      tokens.splice(0, tokens.length, ...tokenize(flipped));
      return 'case';
    }
    case 'subquery': {
      const joined = tokens.join('');
      if (!/^\s*select\b/i.test(joined)) return 'subquery-none';
      let nested = joined;
      const depth = d.pick([1, 2, 5, 30, 200]);
      for (let i = 0; i < depth; i++) nested = `SELECT * FROM (${nested})`;
      tokens.splice(0, tokens.length, nested);
      return 'subquery';
    }
  }
}

/**
 * Requests the server is known to mishandle, reported with a reproduction rather than fuzzed by
 * default (FUZZ_KNOWN=1 keeps them); see the test header. The caller draws again. None at the
 * moment: open-range fills, top()/bottom() by tag and SELECT INTO over-long names were here until
 * the server bounded or fixed them.
 */
export function knownIssue(_text: string): string | undefined {
  return undefined;
}

function mutatedQuery(d: Dice, entry: CorpusEntry, corpus: readonly CorpusEntry[]): { text: string; origin: string } {
  const tokens = tokenize(entry.query);
  const donor = tokenize(d.pick(corpus).query);
  const names: string[] = [];
  const rounds = d.chance(0.6) ? 1 : 2 + d.int(2);
  for (let i = 0; i < rounds; i++) names.push(mutateOnce(d, tokens, donor));
  return { text: tokens.join(''), origin: `mutate(${entry.id}: ${names.join(',')})` };
}

// ---- requests -------------------------------------------------------------------------------

const boundParams = '{"t":"2023-03-01T00:00:00Z","v":50,"f":{"identifier":"usage_user"}}';
const junkParams = ['{', '[]', 'null', '"x"', '1e999', '{"x":{"a":1}}', '{"v":[1]}', '{"__proto__":{"t":1}}', '{"t":"2023-03-01T00:00:00Z","v":50,"f":{"identifier":"usage_user"}}', '{"v":123456789012345678901234567890}', '{"t":{"duration":"1h"},"f":{"regex":"(a+)+$"}}', '{"x":"\\u0000"}'];
const epochs = ['ns', 'u', 'µ', 'ms', 's', 'm', 'h', '', 'x', 'n', 'NS'];

/** Statements that may change data or the catalog; they run against the scratch database only. */
const writingWords = /drop|delete|into|alter|create|grant|revoke/i;

function requestParams(d: Dice, base: CorpusEntry | undefined, q: string | undefined, dbs: { db: string; scratch: string }): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  const baseDb = base === undefined ? dbs.db : base.db;
  if (d.chance(0.06)) {
    if (d.chance(0.5)) params.push(['db', d.pick(['nosuch', '', '\u0000', 'ü€😀', 'a'.repeat(3000)])]);
  } else if (baseDb !== null) {
    params.push(['db', baseDb]);
  }
  if (q !== undefined) params.push(['q', q]);
  if (base !== undefined && base.epoch !== null) params.push(['epoch', base.epoch]);
  for (const [k, v] of base?.params ?? []) params.push([k, v]);
  if (d.chance(0.2)) params.push(['epoch', d.pick(epochs)]);
  if (d.chance(0.15)) {
    params.push(['chunked', d.pick(['true', 'true', 'false', '1', 'TRUE'])]);
    if (d.chance(0.6)) params.push(['chunk_size', d.pick(['1', '2', '0', '-1', 'abc', '99999999999999999999', '1.5', '10000'])]);
  }
  if (d.chance(0.1)) params.push(['pretty', d.pick(['true', 'false', 'yes'])]);
  if (q?.includes('$') === true && d.chance(0.6)) params.push(['params', boundParams]);
  else if (d.chance(0.08)) params.push(['params', d.pick(junkParams)]);
  if (d.chance(0.04)) params.push(['rp', d.pick(['autogen', 'nosuch', '', '😀'])]);
  if (d.chance(0.04)) {
    const [name, value] = d.pick(params.length > 0 ? params : [['q', 'SHOW DATABASES'] as [string, string]]);
    params.push([name, d.chance(0.5) ? value : d.pick(['x', '', 'SHOW DATABASES'])]);
  }
  const text = params.map(([, v]) => v).join(' ');
  if (writingWords.test(text)) {
    // Route anything that could write to the scratch database; the data checked at the end stays untouched.
    const swap = (v: string): string => v.replace(new RegExp(dbs.db, 'gi'), dbs.scratch);
    return [['db', dbs.scratch], ...params.filter(([k]) => k !== 'db').map(([k, v]) => [k, swap(v)] as [string, string])];
  }
  return params;
}

function anyStatementText(d: Dice, options: FuzzPlanOptions): { text: string; origin: string; base?: CorpusEntry } {
  const roll = d.int(100);
  if (roll < 45) {
    const entry = d.pick(options.corpus);
    return { ...mutatedQuery(d, entry, options.corpus), base: entry };
  }
  if (roll < 53) {
    const entry = d.pick(options.corpus);
    return { text: entry.query, origin: `corpus(${entry.id})`, base: entry };
  }
  if (roll < 82) return { text: selectStatement(d), origin: 'select' };
  if (roll < 92) return { text: showStatement(d), origin: 'show' };
  const n = 2 + d.int(3);
  const parts = Array.from({ length: n }, () => (d.chance(0.5) ? selectStatement(d) : d.chance(0.5) ? showStatement(d) : d.pick(options.corpus).query));
  return { text: parts.join(d.pick(['; ', ';', ' ;\n', ';;'])) + (d.chance(0.3) ? ';' : ''), origin: `multi(${n})` };
}

function statementText(d: Dice, options: FuzzPlanOptions): { text: string; origin: string; base?: CorpusEntry } {
  for (let attempt = 0; attempt < 100; attempt++) {
    const drawn = anyStatementText(d, options);
    if (options.includeKnownIssues === true || knownIssue(drawn.text) === undefined) return drawn;
  }
  return { text: 'SHOW DATABASES', origin: 'fallback' };
}

function fuzzRequest(d: Dice, index: number, options: FuzzPlanOptions): FuzzRequest {
  const { text, origin, base } = statementText(d, options);
  const q = base?.omitQ === true && text === base.query ? undefined : text;
  const params = requestParams(d, base, q, { db: options.db, scratch: options.scratchDb });
  const roll = d.int(10);
  let method: 'GET' | 'POST' = roll < 5 ? 'GET' : 'POST';
  let form = roll >= 7;
  if (!form && new URLSearchParams(params).toString().length > maxUrlChars) {
    method = 'POST';
    form = true;
  }
  const accept = base?.accept ?? (d.chance(0.04) ? d.pick(['application/csv', 'text/csv', 'application/json', '*/*']) : null);
  return { index, origin, method, form, params, accept };
}

/** The whole plan for a seed; request i is the same for a given seed, count and corpus. */
export function planFuzzRequests(options: FuzzPlanOptions): FuzzRequest[] {
  const d = new Dice(options.seed);
  const out: FuzzRequest[] = [];
  for (let i = 0; i < options.count; i++) out.push(fuzzRequest(d, i, options));
  return out;
}
