// pacedBody: every piece in order, a turn for the event loop after each piece, no pulling from
// the source once the stream is destroyed, and an end for a reader that takes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pacedBody, PieceChannel } from '../../../src/http/paced-body.js';

test('the body is the pieces in order, then the suffix', async () => {
  const chunks: string[] = [];
  for await (const chunk of pacedBody(['{"a":', '[1,2]', '}'], { suffix: '\n', stallTimeoutMs: 60_000 })) chunks.push(String(chunk));
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
  for await (const chunk of pacedBody(source(), { stallTimeoutMs: 60_000 })) text += String(chunk);
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
  const body = pacedBody(source(), { stallTimeoutMs: 60_000 });
  await new Promise<void>((resolve) => body.once('data', () => resolve()));
  body.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const after = pulled;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(pulled, after);
  assert.ok(pulled < 1000, `pulled ${pulled} pieces`);
  assert.equal(finished, true);
});

test('a reader that takes nothing for the stall timeout gets the body destroyed with an error', async () => {
  function* endless(): Generator<string> {
    for (;;) yield 'y'.repeat(64 * 1024);
  }
  const body = pacedBody(endless(), { stallTimeoutMs: 200 });
  await new Promise<void>((resolve) => body.once('data', () => resolve()));
  body.pause(); // stops reading: the buffer fills and the source is no longer pulled
  const error = await new Promise<Error>((resolve) => body.once('error', resolve));
  assert.match(error.message, /client took no data for 200 ms/);
  assert.equal(body.destroyed, true);
});

test('a source still making its next piece (a query running) is not a stalled client', async () => {
  async function* slow(): AsyncGenerator<string> {
    yield 'a';
    await new Promise((resolve) => setTimeout(resolve, 400));
    yield 'b';
  }
  let closed = 0;
  let text = '';
  for await (const chunk of pacedBody(slow(), { stallTimeoutMs: 100, onClose: () => closed++ })) text += String(chunk);
  assert.equal(text, 'ab');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, 1, 'onClose runs once the body is done');
});

test('PieceChannel: a producer faster than the body waits once a line is queued; close() drops and frees it', async () => {
  const channel = new PieceChannel(1);
  let second = false;
  await channel.put(['one']);
  const waiting = channel.put(['two']).then(() => (second = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(second, false, 'two lines queued: the producer waits');
  const pieces = channel.pieces();
  assert.deepEqual(await pieces.next(), { value: 'one', done: false });
  await waiting;
  assert.equal(second, true, 'the body took a line: the producer goes on');
  channel.close();
  await channel.put(['dropped']);
  assert.deepEqual(await pieces.next(), { value: undefined, done: true });
});
