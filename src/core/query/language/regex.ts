// InfluxQL regex literals with Go RE2 semantics: one place that validates (with the Go regexp/syntax
// messages influxd 1.x reports), matches in linear time, and prepares patterns for ClickHouse.
// Never hand a user pattern to JavaScript's backtracking RegExp: one pattern can freeze the server.

import { RE2JS } from 're2js';
import { StatementError } from '../execute/result.js';

/** A compiled InfluxQL regex: `test` is Go's `MatchString` (unanchored), linear in the input. */
export interface InfluxRegex {
  readonly source: string;
  test(text: string): boolean;
}

const PREFIX = 'error parsing regexp: ';

/** Stand-ins for `<` after `(?`, chosen so the pattern itself never holds the one used. */
const PLACEHOLDERS = ['\uE000', '\uE001', '\uE002', '\uE003'];

function syntaxMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.startsWith(PREFIX) ? message.slice(PREFIX.length) : message;
}

/**
 * Go's regexp/syntax message for an invalid literal, without the "error parsing regexp: " prefix
 * (e.g. "missing closing ]: `[a`"), or undefined when the pattern compiles.
 *
 * re2js follows today's Go, which accepts `(?<name>…)`; the Go that influxd 1.x is built with
 * refuses every `(?<` ("invalid or unsupported Perl syntax: `(?<`"), lookbehinds included. So a
 * `(?<` is checked as `(?` plus a character no flag uses: re2js then fails at the same place with
 * the same words, and only where the `(?` really opens a group (not escaped, quoted or in a class).
 */
export function regexSyntaxError(source: string): string | undefined {
  const placeholder = source.includes('(?<') ? PLACEHOLDERS.find((p) => !source.includes(p)) : undefined;
  const checked = placeholder === undefined ? source : source.replaceAll('(?<', `(?${placeholder}`);
  try {
    RE2JS.compile(checked);
    return undefined;
  } catch (err) {
    const message = syntaxMessage(err);
    return placeholder === undefined ? message : message.replaceAll(placeholder, '<');
  }
}

/**
 * Compiles a literal for matching in JavaScript. The parser has already refused invalid ones, so
 * an error here means a statement built some other way; it fails that statement, as influxd would.
 */
export function compileRegex(source: string): InfluxRegex {
  const invalid = regexSyntaxError(source);
  if (invalid !== undefined) throw new StatementError(PREFIX + invalid);
  const compiled = RE2JS.compile(source);
  return { source, test: (text: string) => compiled.test(text) };
}

/**
 * The pattern for ClickHouse's `match()`, which runs RE2 too but lets `.` match a newline unless
 * told `(?-s)`; Go's default is the opposite. A later `(?s)` in the pattern still wins.
 */
export function clickhouseMatchPattern(source: string): string {
  return `(?-s)${source}`;
}
