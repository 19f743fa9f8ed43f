// InfluxQL scanner: turns query text into tokens with positions, mirroring influxql's scanner.
// Pure and allocation-light; never interprets tokens beyond lexing (the parser decides meaning).

export type TokenKind =
  | 'ILLEGAL' | 'EOF' | 'WS' | 'COMMENT'
  | 'IDENT' | 'BOUNDPARAM' | 'NUMBER' | 'INTEGER' | 'DURATIONVAL' | 'STRING' | 'BADSTRING' | 'BADESCAPE'
  | 'TRUE' | 'FALSE' | 'REGEX' | 'BADREGEX'
  | '+' | '-' | '*' | '/' | '%' | '&' | '|' | '^' | 'AND' | 'OR'
  | '=' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>='
  | '(' | ')' | ',' | ':' | '::' | ';' | '.'
  | Keyword;

export const KEYWORDS = [
  'ALL', 'ALTER', 'ANALYZE', 'ANY', 'AS', 'ASC', 'BEGIN', 'BY', 'CARDINALITY', 'CREATE', 'CONTINUOUS',
  'DATABASE', 'DATABASES', 'DEFAULT', 'DELETE', 'DESC', 'DESTINATIONS', 'DIAGNOSTICS', 'DISTINCT', 'DROP',
  'DURATION', 'END', 'EVERY', 'EXACT', 'EXPLAIN', 'FIELD', 'FOR', 'FROM', 'GRANT', 'GRANTS', 'GROUP', 'GROUPS',
  'IN', 'INF', 'INSERT', 'INTO', 'KEY', 'KEYS', 'KILL', 'LIMIT', 'MEASUREMENT', 'MEASUREMENTS', 'NAME',
  'OFFSET', 'ON', 'ORDER', 'PASSWORD', 'POLICY', 'POLICIES', 'PRIVILEGES', 'QUERIES', 'QUERY', 'READ',
  'REPLICATION', 'RESAMPLE', 'RETENTION', 'REVOKE', 'SELECT', 'SERIES', 'SET', 'SHOW', 'SHARD', 'SHARDS',
  'SLIMIT', 'SOFFSET', 'STATS', 'SUBSCRIPTION', 'SUBSCRIPTIONS', 'TAG', 'TO', 'USER', 'USERS', 'VALUES',
  'WHERE', 'WITH', 'WRITE',
] as const;
export type Keyword = (typeof KEYWORDS)[number];

const keywordSet: ReadonlySet<string> = new Set<string>([...KEYWORDS, 'AND', 'OR', 'TRUE', 'FALSE']);

export interface Token {
  readonly kind: TokenKind;
  /** Literal text (identifier name after unquoting, string contents, number text); '' for operators. */
  readonly lit: string;
  /** Offset of the token's first character in the source. */
  readonly offset: number;
}

/** Text used for a token in "found X" messages (influxql's tokstr). */
export function tokenText(token: Token): string {
  // InfluxDB's scanner drops the literal of keywords, so errors name them in upper case.
  if (keywordSet.has(token.kind)) return token.kind;
  if (token.lit !== '') return token.lit;
  return token.kind === 'WS' ? 'WS' : token.kind;
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function isLetter(ch: string | undefined): boolean {
  return ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'));
}

function isIdentChar(ch: string | undefined): boolean {
  return isLetter(ch) || isDigit(ch) || ch === '_';
}

function isWhitespace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

export class Lexer {
  private offset = 0;

  constructor(readonly source: string) {}

  get position(): number {
    return this.offset;
  }

  reset(offset: number): void {
    this.offset = offset;
  }

  peekChar(): string | undefined {
    return this.source[this.offset];
  }

  skipWhitespace(): void {
    while (isWhitespace(this.source[this.offset])) this.offset++;
  }

  /** Line and character (both 0-based, in code points) of an offset, as influxql reports them. */
  lineChar(offset: number): { line: number; char: number } {
    let line = 0;
    let char = 0;
    for (let i = 0; i < offset; i++) {
      const code = i < this.source.length ? this.source.charCodeAt(i) : 0;
      if (code >= 0xdc00 && code <= 0xdfff) continue;
      if (this.source[i] === '\n') {
        line++;
        char = 0;
      } else {
        char++;
      }
    }
    return { line, char };
  }

  scan(): Token {
    const start = this.offset;
    const src = this.source;
    const ch = src[start];
    if (ch === undefined) {
      // influxql's buffered scanner reports EOF one further when the text ends in a word.
      const endsInKeyword = start > 0 && isLetter(src[start - 1]) && this.endsWithKeyword();
      return { kind: 'EOF', lit: '', offset: endsInKeyword ? start + 1 : start };
    }
    if (isWhitespace(ch)) {
      this.skipWhitespace();
      return { kind: 'WS', lit: src.slice(start, this.offset), offset: start };
    }
    if (isLetter(ch) || ch === '_') return this.scanIdent(start);
    if (isDigit(ch)) return this.scanNumber(start);
    const next = src[start + 1];
    this.offset = start + 1;
    switch (ch) {
      case '"': {
        const t = this.scanQuoted(start, '"');
        return t.kind === 'STRING' ? { kind: 'IDENT', lit: t.lit, offset: t.offset } : t;
      }
      case "'":
        return this.scanQuoted(start, "'");
      case '.':
        if (isDigit(next)) return this.scanNumber(start);
        return { kind: '.', lit: '', offset: start };
      case '$': {
        if (next === '"') {
          this.offset = start + 1;
          const t = this.scanQuoted(start + 1, '"');
          return t.kind === 'STRING' ? { kind: 'BOUNDPARAM', lit: t.lit, offset: start } : t;
        }
        let end = start + 1;
        while (isIdentChar(src[end])) end++;
        this.offset = end;
        return { kind: 'BOUNDPARAM', lit: src.slice(start + 1, end), offset: start };
      }
      case '+':
        return { kind: '+', lit: '', offset: start };
      case '-':
        if (next === '-') {
          let end = start;
          while (end < src.length && src[end] !== '\n') end++;
          this.offset = end;
          return { kind: 'COMMENT', lit: '', offset: start };
        }
        return { kind: '-', lit: '', offset: start };
      case '*':
        return { kind: '*', lit: '', offset: start };
      case '/':
        return { kind: '/', lit: '', offset: start };
      case '%':
      case '&':
      case '|':
      case '^':
      case '(':
      case ')':
      case ',':
      case ';':
        return { kind: ch, lit: '', offset: start };
      case '=':
        if (next === '~') return this.two(start, '=~');
        return { kind: '=', lit: '', offset: start };
      case '!':
        if (next === '=') return this.two(start, '!=');
        if (next === '~') return this.two(start, '!~');
        return { kind: 'ILLEGAL', lit: '!', offset: start };
      case '>':
        if (next === '=') return this.two(start, '>=');
        return { kind: '>', lit: '', offset: start };
      case '<':
        if (next === '=') return this.two(start, '<=');
        if (next === '>') return this.two(start, '!=');
        return { kind: '<', lit: '', offset: start };
      case ':':
        if (next === ':') return this.two(start, '::');
        return { kind: ':', lit: '', offset: start };
      default:
        return { kind: 'ILLEGAL', lit: String.fromCodePoint(src.codePointAt(start) ?? 0), offset: start };
    }
  }

  private endsWithKeyword(): boolean {
    let i = this.source.length;
    while (i > 0 && isIdentChar(this.source[i - 1])) i--;
    // Words (identifiers, keywords) end one further than numbers and durations.
    const first = this.source[i];
    return isLetter(first) || first === '_';
  }

  /** Scans a regex literal `/.../` starting at the current offset (which must be at '/'). */
  scanRegex(): Token {
    const start = this.offset;
    const src = this.source;
    let i = start + 1;
    let out = '';
    for (;;) {
      const ch = src[i];
      if (ch === undefined || ch === '\n') {
        this.offset = i;
        return { kind: 'BADREGEX', lit: out, offset: start };
      }
      if (ch === '\\' && src[i + 1] === '/') {
        out += '/';
        i += 2;
        continue;
      }
      if (ch === '\\' && src[i + 1] !== undefined) {
        out += ch + src[i + 1];
        i += 2;
        continue;
      }
      if (ch === '/') {
        this.offset = i + 1;
        return { kind: 'REGEX', lit: out, offset: start };
      }
      out += ch;
      i++;
    }
  }

  private two(start: number, kind: TokenKind): Token {
    this.offset = start + 2;
    return { kind, lit: '', offset: start };
  }

  private scanIdent(start: number): Token {
    let end = start;
    while (isIdentChar(this.source[end])) end++;
    this.offset = end;
    const lit = this.source.slice(start, end);
    const upper = lit.toUpperCase();
    if (keywordSet.has(upper)) return { kind: upper as TokenKind, lit, offset: start };
    return { kind: 'IDENT', lit, offset: start };
  }

  private scanQuoted(start: number, quote: string): Token {
    const src = this.source;
    let i = start + 1;
    let out = '';
    for (;;) {
      const ch = src[i];
      if (ch === undefined || ch === '\n') {
        this.offset = i;
        return { kind: 'BADSTRING', lit: out, offset: start - 1 };
      }
      if (ch === quote) {
        this.offset = i + 1;
        // influxql reports quoted tokens one character before the quote.
        return { kind: 'STRING', lit: out, offset: start - 1 };
      }
      if (ch === '\\') {
        const esc = src[i + 1];
        if (esc === 'n') out += '\n';
        else if (esc === '\\') out += '\\';
        else if (esc === '"') out += '"';
        else if (esc === "'") out += "'";
        else {
          this.offset = i + 2;
          return { kind: 'BADESCAPE', lit: '\\' + (esc ?? ''), offset: i + 1 };
        }
        i += 2;
        continue;
      }
      out += ch;
      i++;
    }
  }

  private scanNumber(start: number): Token {
    const src = this.source;
    let i = start;
    while (isDigit(src[i])) i++;
    let isDecimal = false;
    if (src[i] === '.') {
      isDecimal = true;
      if (isDigit(src[i + 1])) {
        i++;
        while (isDigit(src[i])) i++;
        this.offset = i;
        return { kind: 'NUMBER', lit: src.slice(start, i), offset: start };
      }
      // "1." : the dot is consumed and dropped, as influxql does.
      this.offset = i + 1;
      return { kind: 'NUMBER', lit: src.slice(start, i), offset: start };
    }
    if (!isDecimal && (isLetter(src[i]) || src[i] === 'µ')) {
      while (isLetter(src[i]) || src[i] === 'µ' || isDigit(src[i])) i++;
      this.offset = i;
      return { kind: 'DURATIONVAL', lit: src.slice(start, i), offset: start };
    }
    this.offset = i;
    return { kind: 'INTEGER', lit: src.slice(start, i), offset: start };
  }
}
