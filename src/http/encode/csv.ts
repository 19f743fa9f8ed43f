// InfluxDB 1.x CSV encoding (Accept: application/csv or text/csv), as its csvFormatter writes it:
// name,tags,<columns> with one header per statement and per change of columns, times as integers
// per epoch (ns by default), floats never in exponent form, Go's encoding/csv quoting rules.

import type { StatementResult } from '../../core/query/index.js';
import type { Epoch } from './json.js';

const DIVISOR: Readonly<Record<Epoch, bigint>> = { ns: 1n, u: 1_000n, µ: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Go's unicode.IsSpace for the first rune of a field. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

/** Go's csv.Writer: quote a field with a comma, quote, CR or LF, a leading space, or `\.`. */
export function csvField(text: string): string {
  if (text === '') return text;
  const needs = text === '\\.' || /[,"\r\n]/.test(text) || GO_SPACE.test(text);
  return needs ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that round-trip, never an exponent. */
export function goFloatFixed(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (Object.is(value, -0)) return '-0';
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return (negative ? '-' : '') + out;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return goFloatFixed(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** A tag key or value escaped as in a series key (comma, space and equals sign get a backslash). */
function escapeTag(text: string): string {
  return text.replace(/[, =]/g, (c) => '\\' + c);
}

/** The series' tags as models.Tags.HashKey() prints them without the leading comma; empty values left out. */
function tagsText(tags: Readonly<Record<string, string>> | undefined): string {
  if (tags === undefined) return '';
  return Object.keys(tags)
    .sort()
    .filter((k) => (tags[k] ?? '') !== '')
    .map((k) => `${escapeTag(k)}=${escapeTag(tags[k] ?? '')}`)
    .join(',');
}

/** Lines gathered into one piece of a streamed CSV answer. */
const LINES_PER_PIECE = 2_000;

/** CSV body for results; an answer without series is empty. */
export function formatResultsCsv(results: readonly StatementResult[], options: { readonly epoch?: Epoch } = {}): string {
  let out = '';
  for (const piece of formatResultsCsvPieces(results, options)) out += piece;
  return out;
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}

/**
 * formatResultsCsv's text in pieces of some thousand lines. A statement's error, like a statement
 * without series, prints nothing (InfluxDB 1.x's CSV encoder has no place for it).
 */
export function* formatResultsCsvPieces(results: readonly StatementResult[], options: { readonly epoch?: Epoch } = {}): Generator<string> {
  let lines: string[] = [];
  let statementId = -1;
  const divisor = DIVISOR[options.epoch ?? 'ns'];
  for (const result of results) {
    const series = result.series ?? [];
    if (result.statement_id !== statementId) {
      if (series.length === 0) continue;
      if (statementId >= 0) lines.push('');
      statementId = result.statement_id;
      lines.push(['name', 'tags', ...series[0]!.columns].map(csvField).join(','));
    }
    for (const [i, s] of series.entries()) {
      if (i > 0 && !sameColumns(series[i - 1]!.columns, s.columns)) {
        lines.push('', ['name', 'tags', ...s.columns].map(csvField).join(','));
      }
      const head = csvField(s.name ?? '') + ',' + csvField(tagsText(s.tags));
      const hasTime = s.columns[0] === 'time';
      for (const row of s.values) {
        let line = head;
        for (let c = 0; c < row.length; c++) {
          const v = row[c];
          line += ',' + csvField(c === 0 && hasTime && typeof v === 'bigint' ? (v / divisor).toString() : cellText(v));
        }
        lines.push(line);
        if (lines.length >= LINES_PER_PIECE) {
          yield lines.join('\n') + '\n';
          lines = [];
        }
      }
    }
  }
  if (lines.length > 0) yield lines.join('\n') + '\n';
}

/** A request that failed as a whole, as InfluxDB 1.x writes it in CSV. */
export function formatErrorCsv(message: string): string {
  return `error\n${csvField(message)}\n`;
}
