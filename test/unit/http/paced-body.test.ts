// pacedBody: every piece in order, a turn for the event loop after each piece, and no pulling
// from the source once the stream is destroyed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pacedBody } from '../../../src/http/paced-body.js';

test('the body is the pieces in order, then the suffix', async () => {
  const chunks: string[] = [];
  for await (const chunk of pacedBody(['{"a":', '[1,2]', '}'], '\n')) chunks.push(String(chunk));
  assert.equal(chunks.join(''), '{"a":[1,2]}\n');
});

test('other callbacks run between pieces', async () => {
  const order: string[] = [];
  function* source(): Generator<string> {
    for (let i = 0; i < 3; i++) {
      order.push(`piece ${i}`);
      // Something else wants the event loop while the answer is being written.
      setImmediate(() => order.push(`other ${i}`));
      yield String(i);
    }
  }
  let text = '';
  for await (const chunk of pacedBody(source())) text += String(chunk);
  assert.equal(text, '012');
  assert.deepEqual(order.slice(0, 4), ['piece 0', 'other 0', 'piece 1', 'other 1']);
});

test('a destroyed body stops pulling its source', async () => {
  let pulled = 0;
  let finished = false;
  function* source(): Generator<string> {
    try {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield 'x'.repeat(1024);
      }
    } finally {
      finished = true;
    }
  }
  const body = pacedBody(source());
  await new Promise<void>((resolve) => body.once('data', () => resolve()));
  body.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = pulled;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(pulled, after);
  assert.ok(pulled < 1000, `pulled ${pulled} pieces`);
  assert.equal(finished, true);
});
