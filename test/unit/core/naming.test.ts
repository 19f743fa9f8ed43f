import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chDatabaseName, decodeName, encodeName, quoteIdent, quoteString } from '../../../src/core/store/naming.js';

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
