// InfluxDB 1.6.7's `/write` 400 error text for a body with bad lines, built from parser LineErrors.
// Pure text; JSON encoding of the `{"error": …}` body belongs to the HTTP layer.

import type { LineError } from './parser.js';

/** One bad line as 1.6.7 reports it: `unable to parse '<line>': <reason>`. */
export function formatLineError(error: LineError): string {
  return `unable to parse '${error.line}': ${error.reason}`;
}

export interface PartialWriteOptions {
  /** Points of the same body that parsed (and were then written). */
  readonly parsedPoints: number;
}

/**
 * The `error` text of 1.6.7's 400 answer when some lines failed to parse. All bad lines are
 * joined with "\n". With no good point it is the bare list; otherwise 1.6.7 writes the good
 * points and answers `partial write: <list> dropped=0` (it always says dropped=0 here).
 */
export function formatPartialWriteMessage(errors: readonly LineError[], opts: PartialWriteOptions): string {
  const list = errors.map(formatLineError).join('\n');
  return opts.parsedPoints === 0 ? list : `partial write: ${list} dropped=0`;
}
