// A response body written piece by piece from a lazy source, giving the event loop a turn after
// each piece: formatting a large answer then never holds up /ping or other requests, and the
// whole text is never built at once.

import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Answers with more rows than this are streamed; smaller ones are sent as one string. */
export const STREAMED_ANSWER_ROWS = 10_000;

/**
 * A byte stream of `pieces` with `suffix` after them. The source is pulled only as the socket
 * takes data; when the client goes away the stream is destroyed and the source is not pulled
 * again. A client that takes nothing for `stallTimeoutMs` (it stopped reading) gets the stream
 * destroyed with an error, which closes its connection and frees the answer.
 */
export function pacedBody(pieces: Iterable<string | Uint8Array>, options: { readonly suffix?: string; readonly stallTimeoutMs: number }): Readable {
  let lastPull = performance.now();
  async function* paced(): AsyncGenerator<string | Uint8Array> {
    for (const piece of pieces) {
      lastPull = performance.now();
      yield piece;
      await nextTurn();
    }
    if (options.suffix) yield options.suffix;
  }
  const body = Readable.from(paced(), { objectMode: false });
  const watchdog = setInterval(
    () => {
      if (performance.now() - lastPull >= options.stallTimeoutMs) body.destroy(new Error(`client took no data for ${options.stallTimeoutMs} ms`));
    },
    Math.max(10, Math.min(1_000, options.stallTimeoutMs / 4)),
  );
  body.once('close', () => clearInterval(watchdog));
  return body;
}
