import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultWalOptions, validateWalOptions, type WalOptions } from '../../../src/core/wal/wal-port.js';

const valid: WalOptions = { dir: '/tmp/x', ...defaultWalOptions };

test('the defaults are valid and finite', () => {
  validateWalOptions(valid);
  assert.ok(Object.isFrozen(defaultWalOptions));
  assert.ok(Number.isFinite(defaultWalOptions.maxPendingBytes) && defaultWalOptions.maxPendingBytes > 0);
});

test('out-of-range options are refused, naming the option', () => {
  const bad: Array<[Partial<WalOptions>, RegExp]> = [
    [{ dir: '' }, /dir/],
    [{ groupCommitMaxBatch: 0 }, /groupCommitMaxBatch/],
    [{ groupCommitMaxBatch: 1.5 }, /groupCommitMaxBatch/],
    [{ groupCommitMaxDelayMs: -1 }, /groupCommitMaxDelayMs/],
    [{ groupCommitMaxDelayMs: Number.POSITIVE_INFINITY }, /groupCommitMaxDelayMs/],
    [{ maxPendingBytes: 0 }, /maxPendingBytes/],
    [{ maxPendingBytes: Number.POSITIVE_INFINITY }, /maxPendingBytes/],
  ];
  for (const [patch, message] of bad) assert.throws(() => validateWalOptions({ ...valid, ...patch }), message);
});
