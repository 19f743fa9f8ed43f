// Runs a reading statement so that skipping FINAL never shows a point twice: the statement reads
// through a scope; if an insert that may add duplicates started on a table it read without FINAL
// while it ran, its answer is discarded and it runs once more with FINAL everywhere.

import type { SelectContext } from './select-executor.js';

export async function withConsistentReads<T>(ctx: SelectContext, run: (ctx: SelectContext) => Promise<T>): Promise<T> {
  if (ctx.reads !== undefined) return run(ctx);
  const reads = ctx.port.readScope(false);
  const answer = await run({ ...ctx, reads });
  if (reads.stillValid()) return answer;
  return run({ ...ctx, reads: ctx.port.readScope(true) });
}
