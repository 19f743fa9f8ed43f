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
 * destroyed with an error, which closes its connection and frees the answer; time the source
 * itself takes to make a piece (a query still running) does not count.
 */
export function pacedBody(pieces: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>, options: PacedBodyOptions): Readable {
  let lastPull = performance.now();
  let sourceBusy = false;
  async function* paced(): AsyncGenerator<string | Uint8Array> {
    const source = Symbol.asyncIterator in pieces ? pieces[Symbol.asyncIterator]() : pieces[Symbol.iterator]();
    try {
      for (;;) {
        sourceBusy = true;
        const step = await source.next();
        sourceBusy = false;
        lastPull = performance.now();
        if (step.done === true) break;
        yield step.value;
        await eventLoopTurns.next();
        // Destroyed during the turn (client gone): the source is not pulled again.
        if (body.destroyed) break;
      }
    } finally {
      sourceBusy = false;
      await source.return?.();
    }
    if (options.suffix) yield options.suffix;
  }
  const body = Readable.from(paced(), { objectMode: false });
  const watchdog = setInterval(
    () => {
      if (!sourceBusy && performance.now() - lastPull >= options.stallTimeoutMs) body.destroy(new Error(`client took no data for ${options.stallTimeoutMs} ms`));
    },
    Math.max(10, Math.min(1_000, options.stallTimeoutMs / 4)),
  );
  body.once('close', () => {
    clearInterval(watchdog);
    options.onClose?.();
  });
  return body;
}

/**
 * Pieces of text handed from a producer (a query writing its answer) to a paced body. put()
 * resolves while at most `maxQueued` texts wait to be written, then only once the body took one:
 * a producer faster than the client waits instead of queueing the answer in memory. Once the
 * body is gone (close()), put() resolves at once and drops the text.
 */
export class PieceChannel {
  private readonly queue: Array<Iterable<string>> = [];
  private consumer: (() => void) | undefined;
  private producer: (() => void) | undefined;
  private ended = false;
  private closed = false;

  constructor(private readonly maxQueued = 1) {}

  put(text: Iterable<string>): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.queue.push(text);
    this.wakeConsumer();
    if (this.queue.length <= this.maxQueued) return Promise.resolve();
    return new Promise<void>((resolve) => (this.producer = resolve));
  }

  /** No more texts: the body ends once the queued ones are written. */
  end(): void {
    this.ended = true;
    this.wakeConsumer();
  }

  /** The body is gone: queued texts are dropped and a waiting producer goes on. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.wakeProducer();
    this.wakeConsumer();
  }

  async *pieces(): AsyncGenerator<string> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        if (this.queue.length <= this.maxQueued) this.wakeProducer();
        yield* next;
        continue;
      }
      if (this.ended || this.closed) return;
      await new Promise<void>((resolve) => (this.consumer = resolve));
    }
  }

  private wakeConsumer(): void {
    const wake = this.consumer;
    this.consumer = undefined;
    wake?.();
  }

  private wakeProducer(): void {
    const wake = this.producer;
    this.producer = undefined;
    wake?.();
  }
}
