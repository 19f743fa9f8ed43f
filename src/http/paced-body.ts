// A response body written piece by piece from a lazy source, giving the event loop a turn after
// each piece: formatting a large answer then never holds up /ping or other requests, and the
// whole text is never built at once.

import { Readable } from 'node:stream';
import { eventLoopTurns } from '../core/event-loop-turns.js';

/** Answers with more rows than this are streamed; smaller ones are sent as one string. */
export const STREAMED_ANSWER_ROWS = 10_000;

export interface PacedBodyOptions {
  readonly suffix?: string;
  readonly stallTimeoutMs: number;
  /** Called once when the body is done: written whole, or destroyed (client gone, stalled). */
  readonly onClose?: () => void;
}

/**
 * A byte stream of `pieces` with `suffix` after them. The source is pulled only as the socket
 * takes data; when the client goes away the stream is destroyed and the source is not pulled
 * again. A client that takes nothing for `stallTimeoutMs` (it stopped reading) gets the stream
 * destroyed with an error, which closes its connection and frees the answer.
 */
export function pacedBody(pieces: Iterable<string | Uint8Array>, options: PacedBodyOptions): Readable {
  let lastPull = performance.now();
  async function* paced(): AsyncGenerator<string | Uint8Array> {
    for (const piece of pieces) {
      lastPull = performance.now();
      yield piece;
      await eventLoopTurns.next();
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
  body.once('close', () => {
    clearInterval(watchdog);
    options.onClose?.();
  });
  return body;
}
