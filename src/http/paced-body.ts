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
 * again.
 */
export function pacedBody(pieces: Iterable<string>, suffix = ''): Readable {
  async function* paced(): AsyncGenerator<string> {
    for (const piece of pieces) {
      yield piece;
      await nextTurn();
    }
    if (suffix !== '') yield suffix;
  }
  return Readable.from(paced(), { objectMode: false });
}
