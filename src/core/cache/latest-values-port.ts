// The query port's latestValues(): resolves a SELECT's one measurement as the executor does and
// asks the edge cache that takes its shape (last values, first values). Whatever goes wrong here (an unknown database, a planning error)
// becomes "not answered", so the chDB path runs and reports it in its own words.

import type { MeasurementSource, SelectStatement } from '../query/language/ast.js';
import type { Series } from '../query/execute/result.js';
import { resolveSources, type SelectContext } from '../query/execute/select-executor.js';
import type { LastValueCache } from './last-value-cache.js';

export function latestValuesReader(caches: readonly LastValueCache[]): (statement: SelectStatement, ctx: SelectContext) => Promise<Series[] | undefined> {
  return async (statement, ctx) => {
    const cache = caches.find((c) => c.wants(statement));
    if (cache === undefined) return undefined;
    try {
      const sources = await resolveSources(statement.sources as readonly MeasurementSource[], ctx);
      if (sources.length !== 1) return undefined;
      const { db, rp, measurement } = sources[0]!;
      return await cache.answer({ statement, nowNs: ctx.nowNs, db, rp, measurement });
    } catch {
      return undefined;
    }
  };
}
