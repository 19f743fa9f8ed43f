import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickhouseMatchPattern, compileRegex, regexSyntaxError } from '../../../src/core/query/language/regex.js';
import { StatementError } from '../../../src/core/query/execute/result.js';

// Go regexp/syntax messages as InfluxDB 1.6.7 reports them (checked against `influxd`).
const INVALID: Array<[string, string]> = [
  ['[abc', 'missing closing ]: `[abc`'],
  ['*a', 'missing argument to repetition operator: `*`'],
  ['a|*', 'missing argument to repetition operator: `*`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a++', 'invalid nested repetition operator: `++`'],
  ['x{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
  ['(?z)x', 'invalid or unsupported Perl syntax: `(?z`'],
  ['(?=x)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['(?<name>x)', 'invalid or unsupported Perl syntax: `(?<`'],
  ['(?<=x)a', 'invalid or unsupported Perl syntax: `(?<`'],
  ['a(?i)b(?<n>c)', 'invalid or unsupported Perl syntax: `(?<`'],
  ['[(?<]x(?<', 'invalid or unsupported Perl syntax: `(?<`'],
  ['a{2,1001}', 'invalid repeat count: `{2,1001}`'],
  ['.{1001}', 'invalid repeat count: `{1001}`'],
  ['(abc', 'missing closing ): `(abc`'],
  ['abc)', 'unexpected ): `abc)`'],
  ['\\8', 'invalid escape sequence: `\\8`'],
  ['\\C', 'invalid escape sequence: `\\C`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['\\pX', 'invalid character class range: `\\pX`'],
  ['\\p{Foo}', 'invalid character class range: `\\p{Foo}`'],
  ['[z-a]', 'invalid character class range: `z-a`'],
  ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
  // A `<` that only looks like `(?<` keeps its place in the quoted text of a later error.
  ['[(?<', 'missing closing ]: `[(?<`'],
  ['(?<\uE000', 'invalid or unsupported Perl syntax: `(?<`'],
];

test('invalid literals get the Go regexp/syntax message influxd reports', () => {
  for (const [source, message] of INVALID) {
    assert.equal(regexSyntaxError(source), message, source);
    assert.throws(
      () => compileRegex(source),
      (err: unknown) => err instanceof StatementError && err.message === `error parsing regexp: ${message}`,
      source,
    );
  }
});

test('Go RE2 syntax compiles: flags, named groups, classes, quoting', () => {
  for (const source of ['(?i)cpu', '(?i:A)b', '(?U)a+', '(?s).', '(?m)^x$', '(?P<n>x)', '\\Q*\\E', '\\Q(?<\\E', '[(?<]', '\\(?<', '[[:alpha:]]+', '\\pL', '\\p{Greek}', '\\x{1F600}', 'a{,3}', '\\z', '']) {
    assert.equal(regexSyntaxError(source), undefined, source);
  }
});

test('matching follows Go: unanchored, ASCII \\w, `.` skips newlines, `$` only at the end', () => {
  const cases: Array<[string, string, boolean]> = [
    ['cpu', 'my_cpu_load', true],
    ['^cpu$', 'my_cpu', false],
    ['(?i)^CPU', 'cpu0', true],
    ['(?i:C)pu', 'cPu', false],
    ['^\\w+$', 'héllo', false],
    ['^.$', 'é', true],
    ['^.$', '😀', true],
    ['a.b', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
    ['a$', 'a\n', false],
    ['(?m)a$', 'a\nb', true],
    ['\\Q(?<\\E', 'x(?<y', true],
    ['[(?<]', '<', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['', 'anything', true],
  ];
  for (const [source, text, expected] of cases) assert.equal(compileRegex(source).test(text), expected, `${source} on ${JSON.stringify(text)}`);
});

test('patterns that backtrack exponentially in JavaScript get the right answer from RE2', () => {
  const name = 'a'.repeat(34);
  const cases: Array<[string, string, boolean]> = [
    ['^(a+)+$', name, true],
    ['^(a+)+$', `${name}!`, false],
    ['^(a|aa)+$', `${name}b`, false],
    ['^(a|a?)+b$', name.repeat(100), false],
    ['(.*a){12}$', `${name}x`, false],
    ['(.*a){12}', name, true],
    ['^(\\w+\\s?)*$', `${'word '.repeat(2000)}!`, false],
    ['^(a*)*b$', 'a'.repeat(100_000), false],
  ];
  for (const [source, text, expected] of cases) assert.equal(compileRegex(source).test(text), expected, `${source} on ${text.length} chars`);
});

test('ClickHouse gets the Go pattern with `.` kept off newlines; a later (?s) still wins', () => {
  assert.equal(clickhouseMatchPattern('^a.b$'), '(?-s)^a.b$');
  assert.equal(clickhouseMatchPattern('(?s)a.b'), '(?-s)(?s)a.b');
  assert.equal(clickhouseMatchPattern("it's\\d"), "(?-s)it's\\d");
  assert.equal(regexSyntaxError(clickhouseMatchPattern('(?i)x')), undefined);
});
