// A chunked answer (chunked=true) written while the query runs: lines are held until the answer
// passes STREAMED_ANSWER_ROWS (a small answer goes out as one string, as before), then the
// response starts and every further line is written as it is made, with the client's pace
// reaching the query. It never formats a line twice and never buffers past one queued line.

import type { FastifyReply } from 'fastify';
import type { ResultSink } from '../core/query/index.js';
import { ChunkedAnswerSink, type ChunkedLine, type ChunkedOptions } from './encode/chunked.js';
import { formatResultsJson } from './encode/json.js';
import { pacedBody, PieceChannel, STREAMED_ANSWER_ROWS } from './paced-body.js';

export interface ChunkedAnswerOptions extends ChunkedOptions {
  readonly stallTimeoutMs: number;
}

/**
 * Runs `query` with a sink writing its chunked answer to `reply`. An error thrown before the
 * response started propagates (the caller answers it as usual); once it started, the answer ends
 * with a result carrying the error's message (InfluxDB ends a timed-out chunked query so), and
 * the error is handed back in `failed`.
 */
export async function writeChunkedAnswer(
  reply: FastifyReply,
  options: ChunkedAnswerOptions,
  query: (sink: ResultSink) => Promise<void>,
): Promise<{ readonly streamed: boolean; readonly failed?: unknown }> {
  const held: string[] = [];
  let heldRows = 0;
  let channel: PieceChannel | undefined;
  const start = (): PieceChannel => {
    const started = new PieceChannel();
    reply.code(200).header('Content-Type', 'application/json');
    void reply.send(pacedBody(started.pieces(), { stallTimeoutMs: options.stallTimeoutMs, onClose: () => started.close() }));
    if (held.length > 0) void started.put([held.join('')]);
    held.length = 0;
    return started;
  };
  const write = async (line: ChunkedLine): Promise<void> => {
    if (channel === undefined) {
      heldRows += line.rows;
      if (heldRows <= STREAMED_ANSWER_ROWS) {
        held.push([...line.text()].join(''));
        return;
      }
      channel = start();
    }
    await channel.put(line.text());
  };
  try {
    await query(new ChunkedAnswerSink(options, write));
  } catch (error) {
    if (channel === undefined) throw error;
    void channel.put([chunkedErrorLine(error instanceof Error ? error.message : String(error))]);
    channel.end();
    return { streamed: true, failed: error };
  }
  if (channel === undefined) {
    void reply.code(200).header('Content-Type', 'application/json').send(held.join(''));
    return { streamed: false };
  }
  channel.end();
  return { streamed: true };
}

/** The line ending a started chunked answer whose query failed (InfluxDB reports a timeout so). */
function chunkedErrorLine(message: string): string {
  return formatResultsJson([{ statement_id: 0, error: message }], {}) + '\n';
}
