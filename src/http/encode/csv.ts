// InfluxDB 1.x CSV encoding (Accept: application/csv): name,tags,<columns> with one header per
// column set, times as integers per epoch (ns by default), Go csv quoting rules.

import type { StatementResult } from '../../core/query/index.js';
import { goJsonFloat, type Epoch } from './json.js';

const DIVISOR: Readonly<Record<Epoch, bigint>> = { ns: 1n, u: 1_000n, µ: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

function csvField(text: string): string {
  if (text === '') return text;
  const needs = text.includes(',') || text.includes('"') || text.includes('\r') || text.includes('\n') || text[0] === ' ' || text[0] === '\t';
  return needs ? `"${text.replace(/"/g, '""')}"` : text;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return goJsonFloat(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

/** Lines gathered into one piece of a streamed CSV answer. */
const LINES_PER_PIECE = 2_000;

/** CSV body for results (a new header, after a blank line, per statement and whenever the column set changes). */
export function formatResultsCsv(results: readonly StatementResult[], options: { readonly epoch?: Epoch } = {}): string {
  let out = '';
  for (const piece of formatResultsCsvPieces(results, options)) out += piece;
  return out;
}

/** formatResultsCsv's text in pieces of some thousand lines, each line ending in a newline. */
export function* formatResultsCsvPieces(results: readonly StatementResult[], options: { readonly epoch?: Epoch } = {}): Generator<string> {
  let lines: string[] = [];
  let lastHeader: string | undefined;
  for (const result of results) {
    // InfluxDB 1.x's CSV encoder drops statement errors silently.
    if (result.error !== undefined) continue;
    // Every statement with series starts with its own header, after a blank line.
    let statementStarted = false;
    for (const series of result.series ?? []) {
      const header = ['name', 'tags', ...series.columns].map(csvField).join(',');
      if (!statementStarted || header !== lastHeader) {
        statementStarted = true;
        if (lastHeader !== undefined) lines.push('');
        lines.push(header);
        lastHeader = header;
      }
      const tags = Object.keys(series.tags ?? {})
        .filter((k) => (series.tags?.[k] ?? '') !== '')
        .sort()
        .map((k) => `${k}=${series.tags?.[k] ?? ''}`)
        .join(',');
      const hasTime = series.columns[0] === 'time';
      for (const row of series.values) {
        const cells = row.map((v, i) => (i === 0 && hasTime && typeof v === 'bigint' ? (v / DIVISOR[options.epoch ?? 'ns']).toString() : cellText(v)));
        lines.push([csvField(series.name ?? ''), csvField(tags), ...cells.map(csvField)].join(','));
        if (lines.length >= LINES_PER_PIECE) {
          yield lines.join('\n') + '\n';
          lines = [];
        }
      }
    }
  }
  if (lines.length > 0) yield lines.join('\n') + '\n';
}
