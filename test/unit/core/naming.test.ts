import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { boundedName, chDatabaseName, chTableName, decodeName, encodeName, MAX_ENCODED_TABLE_NAME, quoteIdent, quoteString } from '../../../src/core/store/naming.js';

test('encodeName is injective and reversible for any unicode name', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (name) => {
      const encoded = encodeName(name);
      assert.match(encoded, /^[A-Za-z0-9_]*$/);
      assert.equal(decodeName(encoded), name);
      assert.ok(!encoded.includes('__'));
    }),
  );
});

test('database names of different (db, rp) pairs never collide', () => {
  assert.notEqual(chDatabaseName('a_', 'b'), chDatabaseName('a', '_b'));
  assert.notEqual(chDatabaseName('a__b', 'c'), chDatabaseName('a', 'b__c'));
});

test('quoteIdent and quoteString escape quotes and backslashes', () => {
  assert.equal(quoteIdent('a`b\\c'), '`a\\`b\\\\c`');
  assert.equal(quoteString("it's \\ here"), "'it\\'s \\\\ here'");
});

test('bounded names: short encodings unchanged, long ones cut and hashed, always valid and distinct', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 50, max: 200 }), (a, b, max) => {
      const bounded = boundedName(a, max);
      assert.match(bounded, /^[A-Za-z0-9_]*$/);
      assert.ok(!bounded.includes('__'));
      assert.ok(bounded.length <= max || bounded.length <= 40 + 26);
      if (encodeName(a).length <= max) assert.equal(bounded, encodeName(a));
      if (a !== b) assert.notEqual(bounded, boundedName(b, max));
    }),
  );
  const long = 'x'.repeat(300);
  assert.ok(chTableName(long).length <= MAX_ENCODED_TABLE_NAME + 2);
  assert.ok(chDatabaseName(long, long).length <= 200);
  assert.notEqual(chTableName(long), chTableName(long + 'y'));
  assert.equal(chTableName('cpu'), 'm_cpu');
});
