// The query memory budget: one limit shared by every lease, refusals that take nothing, releases
// that never go below zero, idempotent close, and the limit cut to half the JS heap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveQueryMemoryBytes, estimateRowsBytes, QueryMemoryBudget, QueryMemoryExceededError } from '../../../src/core/query-memory.js';
import { LimitExceededError } from '../../../src/core/errors.js';

test('leases share one limit; a refused reservation takes nothing and is counted', () => {
  const budget = new QueryMemoryBudget(1000);
  const a = budget.open();
  const b = budget.open();
  a.reserve(600);
  b.reserve(300);
  assert.equal(budget.inUseBytes, 900);
  assert.throws(() => b.reserve(200), (e: unknown) => e instanceof QueryMemoryExceededError && e.message.startsWith('max-query-memory limit exceeded: '));
  assert.equal(budget.inUseBytes, 900, 'nothing taken by the refusal');
  assert.equal(b.heldBytes, 300);
  assert.equal(budget.refusals, 1);
  a.release(600);
  b.reserve(200);
  assert.equal(budget.inUseBytes, 500);
  assert.equal(budget.openLeases, 2);
  a.close();
  b.close();
  assert.equal(budget.inUseBytes, 0);
  assert.equal(budget.openLeases, 0);
});

test('the refusal says whether the query alone is too large or others hold the memory', () => {
  const budget = new QueryMemoryBudget(10 * 1024 * 1024);
  const other = budget.open();
  other.reserve(8 * 1024 * 1024);
  const lease = budget.open();
  assert.throws(() => lease.reserve(4 * 1024 * 1024), {
    message: 'max-query-memory limit exceeded: running queries hold 8.0 MiB of 10.0 MiB (query.max_memory) and this query needs 4.0 MiB more; retry when fewer queries run',
  });
  other.close();
  lease.reserve(6 * 1024 * 1024);
  assert.throws(() => lease.reserve(5 * 1024 * 1024), /max-query-memory limit exceeded: the query needs more than the 10\.0 MiB all queries share \(query\.max_memory\); narrow the time range/);
  lease.close();
});

test('the refusal is a statement error: a LimitExceededError answered with 200', () => {
  const budget = new QueryMemoryBudget(1);
  const error = budget.refuse('max-query-memory limit exceeded: from chDB');
  assert.ok(error instanceof LimitExceededError);
  assert.equal(error.status, 200);
  assert.equal(budget.refusals, 1);
  assert.equal(budget.open().refuse('again').message, 'again');
  assert.equal(budget.refusals, 2);
});

test('release never gives back more than the lease holds; close is idempotent; reserve after close is a bug', () => {
  const budget = new QueryMemoryBudget(100);
  const lease = budget.open();
  lease.reserve(40);
  lease.release(1_000);
  assert.equal(lease.heldBytes, 0);
  assert.equal(budget.inUseBytes, 0);
  lease.reserve(10.2);
  assert.equal(lease.heldBytes, 11, 'fractions round up');
  lease.close();
  lease.close();
  lease.release(5);
  assert.equal(budget.inUseBytes, 0);
  assert.equal(budget.openLeases, 0);
  assert.throws(() => lease.reserve(1), /assertion failed/);
  assert.throws(() => budget.open().reserve(-1), RangeError);
  assert.throws(() => budget.open().reserve(Number.NaN), RangeError);
  assert.throws(() => new QueryMemoryBudget(0), RangeError);
});

test('reservations of zero bytes always pass, even on a full budget', () => {
  const budget = new QueryMemoryBudget(10);
  const full = budget.open();
  full.reserve(10);
  budget.open().reserve(0);
  assert.equal(budget.refusals, 0);
});

test('the applied limit is the configured one, but at most half the JS heap limit', () => {
  assert.equal(effectiveQueryMemoryBytes(512 * 2 ** 20, 4 * 2 ** 30), 512 * 2 ** 20);
  assert.equal(effectiveQueryMemoryBytes(512 * 2 ** 20, 512 * 2 ** 20), 256 * 2 ** 20);
  assert.equal(effectiveQueryMemoryBytes(100, 0), 1);
});

test('row estimates grow with rows, cells and payload', () => {
  assert.equal(estimateRowsBytes(0, 5), 0);
  assert.ok(estimateRowsBytes(1000, 3) > estimateRowsBytes(1000, 2));
  assert.equal(estimateRowsBytes(1000, 3, 500) - estimateRowsBytes(1000, 3), 500);
});
