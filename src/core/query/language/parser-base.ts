// Recursive-descent InfluxQL parsing core: token buffer, expressions, sources and clauses.
// Error texts and positions follow influxql 1.x byte for byte; statements live in parser.ts.

import type { BinaryOp, Expr, FillOption, MeasurementSource, SelectStatement, Source, Target, VarRefType } from './ast.js';
import { KEYWORDS, Lexer, tokenText, type Token, type TokenKind } from './lexer.js';
import { parseDuration } from './duration.js';
import { regexSyntaxError } from './regex.js';

/** A parse failure; `message` is influxql's text without the "error parsing query: " prefix. */
export class ParseFailure extends Error {}

const precedence: Partial<Record<TokenKind, number>> = {
  OR: 1,
  AND: 2,
  '=': 4, '!=': 4, '=~': 4, '!~': 4, '<': 4, '<=': 4, '>': 4, '>=': 4,
  '+': 5, '-': 5, '|': 5, '^': 5,
  '*': 6, '/': 6, '%': 6, '&': 6,
};

/**
 * Deepest nesting of parenthesised expressions, calls and subqueries a query may use. influxql has
 * no bound (Go stacks grow); ours keeps this recursive descent, and the walks over what it nests,
 * off the end of the JS stack, where a RangeError would surface as a 500.
 */
export const MAX_NESTING_DEPTH = 500;

const INT64_MAX = 9223372036854775807n;
const UINT64_MAX = 18446744073709551615n;

type MutableBinary = { kind: 'binary'; op: BinaryOp; lhs: Expr; rhs: Expr };

const quotedWords: ReadonlySet<string> = new Set<string>([...KEYWORDS, 'AND', 'OR', 'TRUE', 'FALSE']);

/** influxql's IdentNeedsQuotes: a keyword (any case) or anything but an ASCII identifier. */
function needsQuotes(segment: string): boolean {
  return !/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment) || quotedWords.has(segment.toUpperCase());
}

/** influxql.QuoteIdent for messages. */
export function quoteIdentSegments(segments: readonly string[]): string {
  return segments
    .map((s, i) => {
      const need = needsQuotes(s) || (i < segments.length - 1 && s !== '') || ((i === 0 || i === segments.length - 1) && s === '');
      return need ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"` : s;
    })
    .join('.');
}

export class ParserBase {
  protected readonly lexer: Lexer;
  private readonly history: number[] = [];
  /** Expressions and SELECTs being parsed right now; bounded by MAX_NESTING_DEPTH. */
  private depth = 0;

  constructor(
    readonly text: string,
    protected readonly params: Readonly<Record<string, unknown>>,
  ) {
    this.lexer = new Lexer(text);
  }

  // ---- token buffer -------------------------------------------------------------------------

  protected scan(): Token {
    this.history.push(this.lexer.position);
    return this.lexer.scan();
  }

  protected scanIgnoreWs(): Token {
    for (;;) {
      const before = this.lexer.position;
      const token = this.lexer.scan();
      if (token.kind !== 'WS' && token.kind !== 'COMMENT') {
        this.history.push(before);
        return token;
      }
    }
  }

  protected unscan(): void {
    const offset = this.history.pop();
    if (offset !== undefined) this.lexer.reset(offset);
  }

  protected peekChar(): string | undefined {
    return this.lexer.peekChar();
  }

  /** Paired with leave() on every normal return; a thrown ParseFailure ends the whole parse. */
  private enter(): void {
    this.depth++;
    if (this.depth > MAX_NESTING_DEPTH) {
      throw this.errorAt(`expression nested too deeply: more than ${MAX_NESTING_DEPTH} levels`, this.lexer.position);
    }
  }

  private leave(): void {
    this.depth--;
  }

  protected error(found: Token, expected: readonly string[]): ParseFailure {
    return this.errorAt(`found ${tokenText(found)}, expected ${expected.join(', ')}`, found.offset);
  }

  protected errorAt(message: string, offset: number): ParseFailure {
    const { line, char } = this.lexer.lineChar(offset);
    return new ParseFailure(`${message} at line ${line + 1}, char ${char + 1}`);
  }

  protected expect(kind: TokenKind): Token {
    const token = this.scanIgnoreWs();
    if (token.kind !== kind) throw this.error(token, [kind]);
    return token;
  }

  protected accept(kind: TokenKind): boolean {
    if (this.scanIgnoreWs().kind === kind) return true;
    this.unscan();
    return false;
  }

  protected parseIdent(): string {
    const token = this.scanIgnoreWs();
    if (token.kind !== 'IDENT') throw this.error(token, ['identifier']);
    return token.lit;
  }

  protected parseIdentList(): string[] {
    const idents = [this.parseIdent()];
    while (this.accept(',')) idents.push(this.parseIdent());
    return idents;
  }

  protected parseString(): string {
    const token = this.scanIgnoreWs();
    if (token.kind !== 'STRING') throw this.error(token, ['string']);
    return token.lit;
  }

  protected parseInt(min: number, max: number): number {
    const token = this.scanIgnoreWs();
    if (token.kind !== 'INTEGER') throw this.error(token, ['integer']);
    const n = Number(token.lit);
    if (!Number.isSafeInteger(n)) throw this.errorAt(`strconv.Atoi: parsing "${token.lit}": value out of range`, token.offset);
    if (n < min || n > max) throw this.errorAt(`invalid value ${n}: must be ${min} <= n <= ${max}`, token.offset);
    return n;
  }

  protected parseUInt64(): bigint {
    const token = this.scanIgnoreWs();
    if (token.kind !== 'INTEGER') throw this.error(token, ['integer']);
    const n = BigInt(token.lit);
    if (n > UINT64_MAX) throw this.errorAt(`strconv.ParseUint: parsing "${token.lit}": value out of range`, token.offset);
    return n;
  }

  /** DURATION value for DDL: a duration literal or INF (0 = infinite). */
  protected parseDurationValue(): bigint {
    const token = this.scanIgnoreWs();
    if (token.kind === 'INF') return 0n;
    if (token.kind !== 'DURATIONVAL') throw this.error(token, ['duration']);
    const ns = parseDuration(token.lit);
    if (ns === undefined) throw new ParseFailure('invalid duration');
    return ns;
  }

  protected parseOptionalTokenAndInt(kind: TokenKind): number {
    if (!this.accept(kind)) return 0;
    const token = this.scanIgnoreWs();
    if (token.kind !== 'INTEGER') throw this.error(token, ['integer']);
    const n = Number(token.lit);
    return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
  }

  // ---- identifiers, regexes, sources --------------------------------------------------------

  protected parseSegmentedIdents(): string[] {
    const idents = [this.parseIdent()];
    while (this.peekChar() === '.') {
      this.scan();
      if (this.peekChar() === '/') break;
      // `db.rp.:MEASUREMENT`: the caller parses the context-specific segment.
      if (this.peekChar() === ':') break;
      if (this.peekChar() === '.') {
        idents.push('');
        continue;
      }
      idents.push(this.parseIdent());
    }
    if (idents.length > 3) throw new ParseFailure(`too many segments in ${quoteIdentSegments(idents)} at line 1, char 1`);
    return idents;
  }

  /** Parses `/re/` if the next non-space character is '/', else returns undefined. */
  protected parseRegex(): string | undefined {
    this.lexer.skipWhitespace();
    if (this.peekChar() !== '/') return undefined;
    this.history.push(this.lexer.position);
    const token = this.lexer.scanRegex();
    // InfluxDB reports regex errors one character before the opening '/' and drops the text.
    if (token.kind === 'BADREGEX') throw this.errorAt('bad regex: ', token.offset - 1);
    const invalid = regexSyntaxError(token.lit);
    if (invalid !== undefined) throw this.errorAt(`error parsing regexp: ${invalid}`, token.offset - 1);
    return token.lit;
  }

  protected parseRequiredRegex(): string {
    const re = this.parseRegex();
    if (re === undefined) throw this.error(this.scanIgnoreWs(), ['regex']);
    return re;
  }

  protected parseSources(subqueries: boolean): Source[] {
    const sources = [this.parseSource(subqueries)];
    while (this.accept(',')) sources.push(this.parseSource(subqueries));
    return sources;
  }

  protected parseSource(subqueries: boolean): Source {
    const re = this.parseRegex();
    if (re !== undefined) return { kind: 'measurement', regex: re };
    if (subqueries) {
      if (this.accept('(')) {
        this.expect('SELECT');
        const statement = this.parseSelectStatement('subquery');
        this.expect(')');
        return { kind: 'subquery', statement };
      }
    }
    const idents = this.parseSegmentedIdents();
    const [a, b, c] = idents;
    if (c !== undefined && a !== undefined && b !== undefined) {
      return { kind: 'measurement', database: a, retentionPolicy: b, name: c };
    }
    const tailRe = this.parseRegex();
    const m: { -readonly [K in keyof MeasurementSource]: MeasurementSource[K] } = { kind: 'measurement' };
    if (tailRe !== undefined) m.regex = tailRe;
    if (b === undefined) {
      if (tailRe !== undefined) m.retentionPolicy = a as string;
      else m.name = a as string;
    } else if (tailRe !== undefined) {
      m.database = a as string;
      m.retentionPolicy = b;
    } else {
      m.retentionPolicy = a as string;
      m.name = b;
    }
    return m;
  }

  // ---- SELECT -------------------------------------------------------------------------------

  protected parseSelectStatement(mode: 'required' | 'optional' | 'subquery'): SelectStatement {
    this.enter();
    const fields = this.parseFields();
    const target = this.parseTarget(mode);
    const fromToken = this.scanIgnoreWs();
    if (fromToken.kind !== 'FROM') throw this.error(fromToken, ['FROM']);
    const sources = this.parseSources(true);
    const condition = this.parseCondition();
    const dimensions = this.parseDimensions();
    const fill = this.parseFill();
    const ascending = this.parseOrderBy();
    const limit = this.parseOptionalTokenAndInt('LIMIT');
    const offset = this.parseOptionalTokenAndInt('OFFSET');
    const slimit = this.parseOptionalTokenAndInt('SLIMIT');
    const soffset = this.parseOptionalTokenAndInt('SOFFSET');
    const timezone = this.parseLocation();
    this.leave();
    return {
      kind: 'select',
      fields,
      ...(target !== undefined ? { target } : {}),
      sources,
      ...(condition !== undefined ? { condition } : {}),
      dimensions,
      fill,
      ascending,
      limit,
      offset,
      slimit,
      soffset,
      ...(timezone !== undefined ? { timezone } : {}),
    };
  }

  private parseFields(): SelectStatement['fields'] {
    const fields: Array<SelectStatement['fields'][number]> = [];
    for (;;) {
      const expr = this.parseExpr();
      if (this.accept('AS')) fields.push({ expr, alias: this.parseIdent() });
      else fields.push({ expr });
      if (!this.accept(',')) break;
    }
    return fields;
  }

  private parseTarget(mode: 'required' | 'optional' | 'subquery'): Target | undefined {
    const token = this.scanIgnoreWs();
    if (token.kind !== 'INTO') {
      this.unscan();
      if (mode === 'required') throw this.error(token, ['INTO']);
      return undefined;
    }
    const idents = this.parseSegmentedIdents();
    let named = true;
    if (idents.length < 3 && this.peekChar() === ':') {
      this.expect(':');
      this.expect('MEASUREMENT');
      named = false;
      idents.push('');
    }
    const [a, b, c] = idents;
    if (idents.length === 1) return named ? { name: a as string } : {};
    if (idents.length === 2) return named ? { retentionPolicy: a as string, name: b as string } : { retentionPolicy: a as string };
    const t: Target = { database: a as string, retentionPolicy: b as string };
    return named ? { ...t, name: c as string } : t;
  }

  protected parseCondition(): Expr | undefined {
    if (!this.accept('WHERE')) return undefined;
    return this.parseExpr();
  }

  protected parseDimensions(): Expr[] {
    if (!this.accept('GROUP')) return [];
    this.expect('BY');
    const dims = [this.parseExpr()];
    while (this.accept(',')) dims.push(this.parseExpr());
    return dims;
  }

  private parseFill(): FillOption {
    const token = this.scanIgnoreWs();
    this.unscan();
    if (token.kind !== 'IDENT' || token.lit.toLowerCase() !== 'fill') return { kind: 'null' };
    const expr = this.parseExpr();
    if (expr.kind !== 'call') throw new ParseFailure('fill must be a function call');
    const [arg] = expr.args;
    if (expr.args.length !== 1 || arg === undefined) {
      throw new ParseFailure('fill requires an argument, e.g.: 0, null, none, previous, linear');
    }
    if (arg.kind === 'var-ref' && arg.type === undefined) {
      if (arg.name === 'null') return { kind: 'null' };
      if (arg.name === 'none') return { kind: 'none' };
      if (arg.name === 'previous') return { kind: 'previous' };
      if (arg.name === 'linear') return { kind: 'linear' };
    }
    if (arg.kind === 'integer') return { kind: 'number', value: arg.value };
    if (arg.kind === 'number') return { kind: 'number', value: arg.value };
    throw new ParseFailure('expected number argument in fill()');
  }

  /** ORDER BY time [ASC|DESC] → ascending flag. */
  private parseOrderBy(): boolean {
    if (!this.accept('ORDER')) return true;
    this.expect('BY');
    const token = this.scanIgnoreWs();
    let ascending = true;
    let count = 1;
    if (token.kind === 'ASC' || token.kind === 'DESC') {
      ascending = token.kind === 'ASC';
    } else if (token.kind === 'IDENT') {
      this.unscan();
      const field = this.parseSortField();
      if (field.name !== 'time') throw new ParseFailure('only ORDER BY time supported at this time');
      ascending = field.ascending;
    } else {
      throw this.error(token, ['identifier', 'ASC', 'DESC']);
    }
    while (this.accept(',')) {
      this.parseSortField();
      count++;
    }
    if (count > 1) throw new ParseFailure('only ORDER BY time supported at this time');
    return ascending;
  }

  private parseSortField(): { name: string; ascending: boolean } {
    const name = this.parseIdent();
    const token = this.scanIgnoreWs();
    if (token.kind === 'ASC' || token.kind === 'DESC') return { name, ascending: token.kind === 'ASC' };
    this.unscan();
    return { name, ascending: true };
  }

  private parseLocation(): string | undefined {
    const token = this.scanIgnoreWs();
    this.unscan();
    if (token.kind !== 'IDENT' || token.lit.toLowerCase() !== 'tz') return undefined;
    const expr = this.parseExpr();
    if (expr.kind !== 'call') throw new ParseFailure('tz must be a function call');
    const [arg] = expr.args;
    if (expr.args.length !== 1 || arg === undefined) throw new ParseFailure('tz requires exactly one argument');
    if (arg.kind !== 'string') throw new ParseFailure('expected string argument in tz()');
    if (!isKnownTimeZone(arg.value)) throw new ParseFailure(`unable to find time zone ${arg.value}`);
    return arg.value;
  }

  // ---- expressions --------------------------------------------------------------------------

  parseExpr(): Expr {
    this.enter();
    const root: { rhs: Expr } = { rhs: this.parseUnaryExpr() };
    for (;;) {
      const opToken = this.scanIgnoreWs();
      const opPrecedence = precedence[opToken.kind];
      if (opPrecedence === undefined) {
        this.unscan();
        this.leave();
        return root.rhs;
      }
      const op = opToken.kind as BinaryOp;
      let rhs: Expr;
      if (op === '=~' || op === '!~') rhs = { kind: 'regex', source: this.parseRequiredRegex() };
      else rhs = this.parseUnaryExpr();
      // Descend the right spine until an operator binds at least as tightly (influxql's tree fix-up).
      let node: { rhs: Expr } = root;
      for (;;) {
        const r = node.rhs;
        if (r.kind !== 'binary' || (precedence[r.op as TokenKind] ?? 0) >= opPrecedence) {
          node.rhs = { kind: 'binary', op, lhs: node.rhs, rhs };
          break;
        }
        node = r as MutableBinary;
      }
    }
  }

  private parseUnaryExpr(): Expr {
    const re = this.parseRegex();
    if (re !== undefined) return { kind: 'regex', source: re };
    if (this.accept('(')) {
      const expr = this.parseExpr();
      const close = this.scanIgnoreWs();
      if (close.kind !== ')') throw this.error(close, [')']);
      return { kind: 'paren', expr };
    }
    const token = this.scanIgnoreWs();
    switch (token.kind) {
      case 'IDENT': {
        if (this.scan().kind === '(') return this.parseCall(token.lit);
        this.unscan();
        this.unscan();
        return this.parseVarRef();
      }
      case 'DISTINCT': {
        const next = this.scan();
        if (next.kind === '(') return this.parseCall('distinct');
        if (next.kind === 'WS') {
          const ident = this.scanIgnoreWs();
          if (ident.kind !== 'IDENT') throw this.error(ident, ['identifier']);
          return { kind: 'distinct', name: ident.lit };
        }
        throw this.error(next, ['(', 'identifier']);
      }
      case 'STRING':
        return { kind: 'string', value: token.lit };
      case 'NUMBER': {
        const value = Number(token.lit);
        if (Number.isNaN(value)) throw this.errorAt('unable to parse number', token.offset);
        return { kind: 'number', value };
      }
      case 'INTEGER': {
        const value = BigInt(token.lit);
        if (value <= INT64_MAX) return { kind: 'integer', value };
        if (value <= UINT64_MAX) return { kind: 'unsigned', value };
        throw this.errorAt('unable to parse integer', token.offset);
      }
      case 'TRUE':
      case 'FALSE':
        return { kind: 'boolean', value: token.kind === 'TRUE' };
      case 'DURATIONVAL': {
        const ns = parseDuration(token.lit);
        if (ns === undefined) throw new ParseFailure('invalid duration');
        return { kind: 'duration', ns };
      }
      case '*':
        return this.parseWildcardType();
      case 'BOUNDPARAM':
        return this.bindParam(token);
      case '+':
      case '-':
        return this.parseSigned(token.kind === '-');
      default:
        break;
    }
    if (token.kind === 'BADSTRING' || token.kind === 'BADESCAPE') throw this.error(token, ['identifier', 'string', 'number', 'bool']);
    throw this.error(token, ['identifier', 'string', 'number', 'bool']);
  }

  private parseWildcardType(): Expr {
    if (this.scan().kind !== '::') {
      this.unscan();
      return { kind: 'wildcard' };
    }
    const t = this.scan();
    if (t.kind === 'FIELD') return { kind: 'wildcard', type: 'field' };
    if (t.kind === 'TAG') return { kind: 'wildcard', type: 'tag' };
    throw this.error(t, ['field', 'tag']);
  }

  private parseSigned(negative: boolean): Expr {
    const next = this.scanIgnoreWs();
    if (!['NUMBER', 'INTEGER', 'DURATIONVAL', '(', 'IDENT'].includes(next.kind)) {
      throw this.error(next, ['identifier', 'number', 'duration', '(']);
    }
    this.unscan();
    const expr = this.parseUnaryExpr();
    if (!negative) return expr;
    switch (expr.kind) {
      case 'number':
        return { kind: 'number', value: -expr.value };
      case 'integer':
        return { kind: 'integer', value: -expr.value };
      case 'unsigned':
        if (expr.value === INT64_MAX + 1n) return { kind: 'integer', value: -expr.value };
        throw new ParseFailure(`constant -${expr.value} underflows int64`);
      case 'duration':
        return { kind: 'duration', ns: -expr.ns };
      case 'var-ref':
      case 'call':
      case 'paren':
        return { kind: 'binary', op: '*', lhs: { kind: 'integer', value: -1n }, rhs: expr };
      default:
        return expr;
    }
  }

  private bindParam(token: Token): Expr {
    const name = token.lit;
    if (name === '') throw new ParseFailure('empty bound parameter');
    if (!Object.prototype.hasOwnProperty.call(this.params, name)) throw new ParseFailure(`missing parameter: ${name}`);
    const value = this.params[name];
    if (typeof value === 'string') return { kind: 'string', value };
    if (typeof value === 'boolean') return { kind: 'boolean', value };
    if (typeof value === 'bigint') return { kind: 'integer', value };
    if (typeof value === 'number') {
      return Number.isInteger(value) ? { kind: 'integer', value: BigInt(value) } : { kind: 'number', value };
    }
    if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value as Record<string, unknown>);
      const [entry] = entries;
      if (entries.length === 1 && entry !== undefined) {
        const [type, v] = entry;
        if (type === 'identifier' && typeof v === 'string') return { kind: 'var-ref', name: v };
        if (type === 'regex' && typeof v === 'string') return { kind: 'regex', source: v };
        if (type === 'duration' && typeof v === 'string') {
          const ns = parseDuration(v);
          if (ns !== undefined) return { kind: 'duration', ns };
        }
      }
    }
    throw new ParseFailure(`unable to bind parameter with type ${value === null ? 'nil' : typeof value}`);
  }

  private parseVarRef(): Expr {
    const segments = this.parseSegmentedIdents();
    const name = segments.join('.');
    if (this.scan().kind !== '::') {
      this.unscan();
      return { kind: 'var-ref', name };
    }
    const t = this.scan();
    const expected = ['float', 'integer', 'unsigned', 'string', 'boolean', 'field', 'tag'];
    let type: VarRefType;
    if (t.kind === 'FIELD') type = 'field';
    else if (t.kind === 'TAG') type = 'tag';
    else if (t.kind === 'IDENT' && expected.slice(0, 5).includes(t.lit.toLowerCase())) type = t.lit.toLowerCase() as VarRefType;
    else throw this.error(t, expected);
    return { kind: 'var-ref', name, type };
  }

  private parseCall(rawName: string): Expr {
    const name = rawName.toLowerCase();
    const args: Expr[] = [];
    const re = this.parseRegex();
    if (re !== undefined) {
      args.push({ kind: 'regex', source: re });
    } else {
      if (this.scanIgnoreWs().kind === ')') return { kind: 'call', name, args };
      this.unscan();
      args.push(this.parseExpr());
    }
    while (this.accept(',')) {
      const r = this.parseRegex();
      args.push(r !== undefined ? { kind: 'regex', source: r } : this.parseExpr());
    }
    const close = this.scanIgnoreWs();
    if (close.kind !== ')') throw this.error(close, [')']);
    return { kind: 'call', name, args };
  }
}

function isKnownTimeZone(zone: string): boolean {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
