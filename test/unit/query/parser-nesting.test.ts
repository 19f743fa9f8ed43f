// The parser's nesting bound: deep parentheses, calls and subqueries fail with a parse error
// (HTTP 400) instead of overflowing the JS stack (a RangeError, HTTP 500), found by the query fuzz test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { MAX_NESTING_DEPTH } from '../../../src/core/query/language/parser-base.js';
import { QueryParseError } from '../../../src/core/errors.js';

const parens = (n: number, inner = 'usage_user'): string => `${'('.repeat(n)}${inner}${')'.repeat(n)}`;
const subqueries = (n: number): string => {
  let q = 'SELECT usage_user FROM cpu';
  for (let i = 0; i < n; i++) q = `SELECT * FROM (${q})`;
  return q;
};

function parseError(text: string): string {
  try {
    parseQuery(text);
  } catch (err) {
    assert.ok(err instanceof QueryParseError, `expected QueryParseError, got ${String(err)}`);
    return err.message;
  }
  return '';
}

test('nesting below the bound parses', () => {
  const depth = MAX_NESTING_DEPTH - 10;
  assert.equal(parseQuery(`SELECT ${parens(depth)} FROM cpu`).length, 1);
  assert.equal(parseQuery(`SELECT a FROM cpu WHERE ${parens(depth, "host = 'a'")}`).length, 1);
  assert.equal(parseQuery(`SELECT ${'mean('.repeat(depth)}v${')'.repeat(depth)} FROM cpu`).length, 1);
  assert.equal(parseQuery(subqueries(depth)).length, 1);
});

test('the depth is counted per statement, not per request', () => {
  const one = `SELECT ${parens(MAX_NESTING_DEPTH - 10)} FROM cpu`;
  assert.equal(parseQuery([one, one, one].join('; ')).length, 3);
});

test('nesting past the bound is a parse error, however deep', () => {
  for (const depth of [MAX_NESTING_DEPTH + 1, 5_000, 100_000]) {
    const cases = [
      `SELECT ${parens(depth)} FROM cpu`,
      `SELECT a FROM cpu WHERE ${'('.repeat(depth)}`,
      `SELECT ${'mean('.repeat(depth)}v${')'.repeat(depth)} FROM cpu`,
      `SELECT ${'-('.repeat(depth)}v${')'.repeat(depth)} FROM cpu`,
      subqueries(depth),
    ];
    for (const text of cases) {
      const message = parseError(text);
      assert.match(message, /^error parsing query: expression nested too deeply: more than (\d+) levels at line 1, char \d+$/);
      assert.ok(message.includes(`more than ${MAX_NESTING_DEPTH} levels`));
    }
  }
});

test('any nesting of parentheses, calls, signs and subqueries parses or fails with QueryParseError', () => {
  const opener = fc.constantFrom('(', 'mean(', '-(', 'abs(1, ', 'SELECT * FROM (SELECT ');
  fc.assert(
    fc.property(fc.array(opener, { maxLength: 40 }), fc.integer({ min: 1, max: 400 }), (openers, repeat) => {
      const open = Array.from({ length: repeat }, () => openers.join('')).join('');
      try {
        parseQuery(`SELECT ${open}v FROM cpu`);
      } catch (err) {
        assert.ok(err instanceof QueryParseError, String(err));
      }
    }),
    { numRuns: 200 },
  );
});
