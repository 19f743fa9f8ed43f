// Property tests: any identifier or string, however hostile, survives InfluxQL quoting and
// parses back to itself; the parser never throws anything but QueryParseError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { QueryParseError } from '../../../src/core/errors.js';

function ident(name: string): string {
  return '"' + name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') + '"';
}

function str(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

test('quoted identifiers and strings round-trip through the parser', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string(), (field, measurement, value) => {
      const [stmt] = parseQuery(`SELECT ${ident(field)} FROM ${ident(measurement)} WHERE ${ident(field)} = ${str(value)}`);
      assert.ok(stmt?.kind === 'select');
      assert.deepEqual(stmt.fields[0]?.expr, { kind: 'var-ref', name: field });
      assert.deepEqual(stmt.sources[0], { kind: 'measurement', name: measurement });
      assert.deepEqual(stmt.condition, { kind: 'binary', op: '=', lhs: { kind: 'var-ref', name: field }, rhs: { kind: 'string', value } });
    }),
    { numRuns: 500 },
  );
});

test('arbitrary input either parses or fails with QueryParseError', () => {
  const pieces = fc.constantFrom('SELECT', 'FROM', 'WHERE', 'GROUP BY', '(', ')', ',', "'x'", '"y"', '/re/', '1', '1.5', '10s', '*', '=', '=~', 'AND', 'OR', 'time', 'now()', 'fill(0)', ';', 'mean(v)', '-', '::field', 'LIMIT', 'SHOW', 'TAG', 'KEYS');
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 12 }), fc.string({ maxLength: 8 }), (tokens, noise) => {
      try {
        parseQuery(tokens.join(' ') + noise);
      } catch (err) {
        assert.ok(err instanceof QueryParseError, String(err));
        assert.ok(err.message.startsWith('error parsing query: '));
      }
    }),
    { numRuns: 2000 },
  );
});
