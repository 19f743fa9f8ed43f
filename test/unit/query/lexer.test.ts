import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lexer, type Token } from '../../../src/core/query/language/lexer.js';

function tokens(text: string): Array<[string, string]> {
  const lexer = new Lexer(text);
  const out: Array<[string, string]> = [];
  for (;;) {
    const t: Token = lexer.scan();
    if (t.kind === 'EOF') return out;
    if (t.kind !== 'WS') out.push([t.kind, t.lit]);
  }
}

test('keywords are case-insensitive and keep their spelling', () => {
  assert.deepEqual(tokens('select From'), [['SELECT', 'select'], ['FROM', 'From']]);
});

test('quoted identifiers, strings and escapes', () => {
  assert.deepEqual(tokens(`"my ""x" 'it\\'s' "a\\"b"`).map(([k, l]) => [k, l]), [
    ['IDENT', 'my '],
    ['IDENT', 'x'],
    ['STRING', "it's"],
    ['IDENT', 'a"b'],
  ]);
  assert.deepEqual(tokens("'a\\qb'")[0], ['BADESCAPE', '\\q']);
  assert.deepEqual(tokens("'abc")[0], ['BADSTRING', 'abc']);
});

test('numbers, integers and durations', () => {
  assert.deepEqual(tokens('1 1.5 .5 10s 1h30m 5x 3µs'), [
    ['INTEGER', '1'], ['NUMBER', '1.5'], ['NUMBER', '.5'], ['DURATIONVAL', '10s'], ['DURATIONVAL', '1h30m'], ['DURATIONVAL', '5x'], ['DURATIONVAL', '3µs'],
  ]);
});

test('operators and comments', () => {
  assert.deepEqual(tokens('a =~ b !~ c != d <> e <= f >= g :: h -- comment\n;').map(([k]) => k), [
    'IDENT', '=~', 'IDENT', '!~', 'IDENT', '!=', 'IDENT', '!=', 'IDENT', '<=', 'IDENT', '>=', 'IDENT', '::', 'IDENT', 'COMMENT', ';',
  ]);
});

test('regex literals unescape only \\/', () => {
  const lexer = new Lexer('/a\\/b\\d+/');
  assert.deepEqual(lexer.scanRegex(), { kind: 'REGEX', lit: 'a/b\\d+', offset: 0 });
});

test('bound parameters', () => {
  assert.deepEqual(tokens('$host $"a b"'), [['BOUNDPARAM', 'host'], ['BOUNDPARAM', 'a b']]);
});
