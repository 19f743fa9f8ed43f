// InfluxDB 1.x chunked answers (chunked=true): each series cut into pieces of chunk_size rows, one
// JSON line per piece, written while results are made. Pure: it builds pieces and text, no I/O.

import type { ResultSink, Series, StatementResult } from '../../core/query/index.js';
import { formatResultsJson, formatResultsJsonPieces, type FormatOptions } from './json.js';

export interface ChunkedOptions extends FormatOptions {
  readonly chunkSize: number;
}

/** A series in pieces of at most `chunkSize` rows; every piece but the last carries `partial: true`. */
function* seriesPieces(series: Series, chunkSize: number): Generator<Series> {
  if (series.values.length <= chunkSize) {
    yield series;
    return;
  }
  for (let start = 0; start < series.values.length; start += chunkSize) {
    const last = start + chunkSize >= series.values.length;
    const piece: Series = { ...series, values: series.values.slice(start, start + chunkSize), ...(last ? {} : { partial: true }) };
    if (last) delete (piece as { partial?: boolean }).partial;
    yield piece;
  }
}

/**
 * The pieces of a chunked answer, as statement results to write one per line, in order. Every
 * piece but the last of a statement carries `partial: true` on the result, so each piece is held
 * back until the next one (or the statement's end) shows whether it was the last.
 */
export class ChunkedPieces {
  private pending: StatementResult | undefined;
  private readonly chunkSize: number;

  constructor(chunkSize: number) {
    this.chunkSize = Math.max(1, chunkSize);
  }

  /** Adds a series of statement `statementId`; returns the pieces now ready to write. */
  series(statementId: number, series: Series): StatementResult[] {
    const ready: StatementResult[] = [];
    for (const piece of seriesPieces(series, this.chunkSize)) {
      if (this.pending !== undefined) ready.push({ ...this.pending, partial: true });
      this.pending = { statement_id: statementId, series: [piece] };
    }
    return ready;
  }

  /**
   * Ends statement `result.statement_id` with its result (less any series already added): the
   * pieces left to write. A statement that fails after some of its series were written ends with
   * those marked partial and a result of its own carrying the error.
   */
  end(result: StatementResult): StatementResult[] {
    const series = result.series ?? [];
    if (result.unchunked === true || series.length === 0) {
      const tail = this.pending;
      this.pending = undefined;
      if (tail === undefined) return [result];
      return result.error !== undefined ? [{ ...tail, partial: true }, result] : [withEnd(tail, result)];
    }
    const ready = series.flatMap((s) => this.series(result.statement_id, s));
    const tail = this.pending!;
    this.pending = undefined;
    ready.push(withEnd(tail, result));
    return ready;
  }
}

/** The last piece of a statement, with the statement's messages and error. */
function withEnd(tail: StatementResult, result: StatementResult): StatementResult {
  if (result.messages === undefined && result.error === undefined) return tail;
  return { ...tail, ...(result.messages !== undefined ? { messages: result.messages } : {}), ...(result.error !== undefined ? { error: result.error } : {}) };
}

/**
 * Splits results into InfluxDB's chunked response: each series is cut into pieces of at most
 * `chunkSize` rows; every piece but the last of a series carries `partial: true` on the series,
 * and every chunk but the last of a statement carries `partial: true` on the result. Returns the
 * newline-terminated JSON lines to write one after another.
 */
export function formatResultsChunked(results: readonly StatementResult[], options: ChunkedOptions): string[] {
  return [...formatResultsChunkedLines(results, options)];
}

/** formatResultsChunked's lines, each formatted only when it is taken. */
export function* formatResultsChunkedLines(results: readonly StatementResult[], options: ChunkedOptions): Generator<string> {
  for (const chunk of chunkResults(results, options.chunkSize)) yield formatResultsJson([chunk], options) + '\n';
}

/**
 * The results cut as InfluxDB streams them in a chunked response, one result per chunk (see
 * ChunkedPieces). Shared by every chunked encoding (JSON lines, MessagePack maps).
 */
export function* chunkResults(results: readonly StatementResult[], chunkSizeRows: number): Generator<StatementResult> {
  const pieces = new ChunkedPieces(chunkSizeRows);
  for (const result of results) yield* pieces.end(result);
}

/** One line of a chunked answer: its rows, and its text in pieces (formatted as they are taken). */
export interface ChunkedLine {
  readonly rows: number;
  text(): Iterable<string>;
}

function chunkedLine(piece: StatementResult, options: FormatOptions): ChunkedLine {
  let rows = 0;
  for (const s of piece.series ?? []) rows += s.values.length;
  return {
    rows,
    *text() {
      yield* formatResultsJsonPieces([piece], options);
      yield '\n';
    },
  };
}

/** A ResultSink writing a chunked answer line by line, each write awaited (the socket's backpressure). */
export class ChunkedAnswerSink implements ResultSink {
  private readonly pieces: ChunkedPieces;

  constructor(
    private readonly options: ChunkedOptions,
    private readonly write: (line: ChunkedLine) => Promise<void>,
  ) {
    this.pieces = new ChunkedPieces(options.chunkSize);
  }

  async series(statementId: number, series: Series): Promise<void> {
    for (const piece of this.pieces.series(statementId, series)) await this.write(chunkedLine(piece, this.options));
  }

  async end(result: StatementResult): Promise<void> {
    for (const piece of this.pieces.end(result)) await this.write(chunkedLine(piece, this.options));
  }
}
