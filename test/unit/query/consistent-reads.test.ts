// withConsistentReads: a statement whose FINAL-less read went stale runs again with FINAL everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withConsistentReads } from '../../../src/core/query/execute/consistent-reads.js';
import type { QueryPort, ReadScope } from '../../../src/core/query/execute/query-port.js';
import type { SelectContext } from '../../../src/core/query/execute/select-executor.js';

function context(valid: boolean[]): { ctx: SelectContext; forced: boolean[] } {
  const forced: boolean[] = [];
  const port = {
    readScope(forceFinal: boolean): ReadScope {
      forced.push(forceFinal);
      const stillValid = valid.shift() ?? true;
      return { needsFinal: () => forceFinal, stillValid: () => stillValid };
    },
  } as unknown as QueryPort;
  return { ctx: { port, db: 'db', nowNs: 0n, maxSelectBuckets: 10 }, forced };
}

test('a read that stayed valid runs once', async () => {
  const { ctx, forced } = context([true]);
  let runs = 0;
  assert.equal(await withConsistentReads(ctx, async () => ++runs), 1);
  assert.deepEqual(forced, [false]);
});

test('a stale read runs again with FINAL forced, and that answer is returned', async () => {
  const { ctx, forced } = context([false]);
  const answers: boolean[] = [];
  const answer = await withConsistentReads(ctx, async (c) => {
    const final = c.reads!.needsFinal({ db: 'db', rp: 'autogen', measurement: 'cpu' });
    answers.push(final);
    return final ? 'merged' : 'maybe duplicated';
  });
  assert.equal(answer, 'merged');
  assert.deepEqual(answers, [false, true]);
  assert.deepEqual(forced, [false, true]);
});

test('a nested statement (SELECT INTO\'s inner SELECT) shares the outer scope', async () => {
  const { ctx, forced } = context([true]);
  await withConsistentReads(ctx, (outer) => withConsistentReads(outer, async () => 1));
  assert.deepEqual(forced, [false]);
});
