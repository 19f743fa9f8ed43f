// A statement's shape: its canonical text with every literal (strings, numbers, durations,
// regexes, bound parameters, booleans) replaced by `?`, so one shape is one statement-summary entry.
// Passwords never appear: the canonical text already prints them as [REDACTED].

import type { Statement } from './ast.js';
import { Lexer, type TokenKind } from './lexer.js';
import { statementString } from './statement-string.js';

const LITERALS: ReadonlySet<TokenKind> = new Set<TokenKind>(['STRING', 'BADSTRING', 'NUMBER', 'INTEGER', 'DURATIONVAL', 'REGEX', 'BADREGEX', 'BOUNDPARAM', 'TRUE', 'FALSE']);
/** Tokens after which a '/' opens a regex rather than dividing. */
const BEFORE_REGEX: ReadonlySet<TokenKind> = new Set<TokenKind>(['=~', '!~', 'FROM', ',', '.', '(']);

/** Replaces the literals of canonical InfluxQL text by `?` and collapses whitespace. */
export function normalizeStatementText(text: string): string {
  const lexer = new Lexer(text);
  let out = '';
  let previous: TokenKind | undefined;
  for (;;) {
    const start = lexer.position;
    const token = lexer.peekChar() === '/' && (previous === undefined || BEFORE_REGEX.has(previous)) ? lexer.scanRegex() : lexer.scan();
    if (token.kind === 'EOF') break;
    if (token.kind === 'WS' || token.kind === 'COMMENT') {
      if (out !== '' && !out.endsWith(' ')) out += ' ';
      continue;
    }
    out += LITERALS.has(token.kind) ? '?' : text.slice(start, lexer.position);
    previous = token.kind;
  }
  return out.trim();
}

export function normalizeStatement(statement: Statement): string {
  return normalizeStatementText(statementString(statement));
}
