import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32, crc32Portable } from '../../../src/core/wal/crc32.js';

test('crc32 matches the IEEE check value', () => {
  const check = Buffer.from('123456789');
  assert.equal(crc32Portable(check), 0xcbf43926);
  assert.equal(crc32(check), 0xcbf43926);
  assert.equal(crc32Portable(Buffer.alloc(0)), 0);
});

test('the portable and the selected implementation agree, including continuation', () => {
  for (let n = 0; n < 50; n++) {
    const a = randomBytes(n * 37);
    const b = randomBytes(n * 11 + 1);
    assert.equal(crc32Portable(a), crc32(a));
    assert.equal(crc32Portable(b, crc32Portable(a)), crc32(Buffer.concat([a, b])));
    assert.equal(crc32(b, crc32(a)), crc32(Buffer.concat([a, b])));
  }
});
