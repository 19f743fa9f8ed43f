// Resolves the selectors whose point the executor picks (first/last without GROUP BY time, a lone
// percentile) in one SQL result row: the value, the point's aux columns and, alone, its time.
// Pure; the candidate cells come from edge-select-sql.ts and selector-sql.ts.

import { pickPercentilePoint } from './percentile-pick.js';
import { pickModeValue } from './mode-pick.js';
import type { OutputColumn } from '../sql/select-plan.js';
import { selectEdgePoint, type EdgePoint } from './series-edge-select.js';

export interface PickOptions {
  /** Shard group duration of the source's retention policy (0n: read all as one shard). */
  readonly shardGroupNs: bigint;
  /** A lone selector: the row takes the picked point's time. */
  readonly pointTime: boolean;
}

type Cell = ReadonlyArray<unknown> | null | undefined;

/** Resolves one result row [time, ...values] in place. */
export function resolvePickedRow(row: unknown[], columns: readonly Pick<OutputColumn, 'pick' | 'auxOf'>[], options: PickOptions): void {
  const picked = new Map<number, EdgePoint | undefined>();
  columns.forEach((column, i) => {
    const pick = column.pick;
    if (pick === undefined) return;
    const cell = row[i + 1] as Cell;
    if (pick.kind === 'mode') {
      // [SQL's value, every point when values repeat (else empty)]: no point, no time to take.
      const [value, points] = (cell ?? [null, []]) as readonly [unknown, ReadonlyArray<readonly unknown[]>];
      row[i + 1] = points.length > 0 ? pickModeValue(points) : value;
      return;
    }
    const point =
      pick.kind === 'percentile'
        ? percentilePoint(cell, pick.percent ?? 0, pick.auxCompareOrder)
        : selectEdgePoint(edgeCandidates(cell, pick.kind), { fn: pick.kind, shardGroupNs: options.shardGroupNs, auxCompareOrder: pick.auxCompareOrder });
    picked.set(i, point);
    row[i + 1] = point?.value ?? null;
    if (options.pointTime && point !== undefined) row[0] = point.t;
  });
  columns.forEach((column, i) => {
    if (column.auxOf !== undefined) row[i + 1] = picked.get(column.auxOf.column)?.aux[column.auxOf.index] ?? null;
  });
}

/** [series key, candidates] pairs, a candidate being [order key (±time), value, ...aux]. */
function edgeCandidates(cell: Cell, fn: 'first' | 'last'): EdgePoint[][] {
  const pairs = (cell ?? []) as ReadonlyArray<readonly [unknown, ReadonlyArray<readonly unknown[]>]>;
  return pairs.map(([, candidates]) =>
    candidates.map((c) => {
      const key = typeof c[0] === 'bigint' ? c[0] : BigInt(String(c[0]));
      return { t: fn === 'first' ? key : -key, value: c[1] ?? null, aux: c.slice(2) };
    }),
  );
}

/** [SQL's pick (value, time, ...aux) or null, every point when the pick is tied (else empty)]. */
function percentilePoint(cell: Cell, percent: number, auxCompareOrder: readonly number[]): EdgePoint | undefined {
  const [pick, points] = (cell ?? [null, []]) as readonly [ReadonlyArray<unknown> | null, ReadonlyArray<readonly unknown[]>];
  if (points.length > 0) return pickPercentilePoint(points, { percent, auxCompareOrder });
  if (pick === null || pick === undefined) return undefined;
  return { t: BigInt(String(pick[1])), value: pick[0] ?? null, aux: pick.slice(2) };
}
