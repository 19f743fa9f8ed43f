// SQL for integral() with GROUP BY time, as InfluxDB 1.6's streaming integral reducer computes it:
// the trapezoid crossing a bucket edge is split at the edge (value interpolated) between the two
// buckets, and a series' last bucket is dropped when its last point sits on the bucket start.
// Pure text; per-row window functions carry each point's neighbours, so no row leaves ClickHouse.

export interface IntegralColumn {
  /** The integrated field's column SQL. */
  readonly valueSql: string;
  readonly unitNs: bigint;
}

export interface IntegralRowsInput {
  /** The filtered table, as a subquery. */
  readonly source: string;
  /** Columns the series groups are told apart by (GROUP BY tags). */
  readonly partitionSql: readonly string[];
  /** Bucket start (ns) of a time (ns) expression. */
  readonly bucketOf: (timeNsSql: string) => string;
  readonly everyNs: bigint;
  readonly columns: readonly IntegralColumn[];
}

const T = 'toUnixTimestamp64Nano(`time`)';

/** Trapezoid area between (t0, v0) and (t1, v1) in units, with InfluxDB's operation order. */
function trapezoid(t0: string, v0: string, t1: string, v1: string, unitNs: bigint): string {
  return `0.5 * (${v1} + ${v0}) * ((${t1} - ${t0}) / ${unitNs})`;
}

/** The value at `at` on the line through (t0, v0) and (t1, v1). */
function interpolate(at: string, t0: string, v0: string, t1: string, v1: string): string {
  return `((${v1} - ${v0}) / (${t1} - ${t0}) * (${at} - ${t0}) + ${v0})`;
}

/**
 * The source with two columns per integral k: `__ig<k>`, the area this row's point adds to its
 * own bucket (from its predecessor, or from the bucket edge when the predecessor is in an earlier
 * bucket, plus up to the bucket end when its successor is in a later one), and `__igcut<k>`, 1 on
 * a series' last point when it sits on its bucket start.
 */
export function integralRowsSql(input: IntegralRowsInput): string {
  const neighbours: string[] = [];
  const areas: string[] = [];
  input.columns.forEach((c, k) => {
    const x = `toFloat64(${c.valueSql})`;
    const w = `(PARTITION BY ${[...input.partitionSql, `${c.valueSql} IS NULL`].join(', ')} ORDER BY \`time\` ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)`;
    neighbours.push(
      `lagInFrame(toNullable(${T})) OVER ${w} AS __igpt${k}`,
      `lagInFrame(toNullable(${x})) OVER ${w} AS __igpv${k}`,
      `leadInFrame(toNullable(${T})) OVER ${w} AS __ignt${k}`,
      `leadInFrame(toNullable(${x})) OVER ${w} AS __ignv${k}`,
    );
    const [pt, pv, nt, nv] = [`__igpt${k}`, `__igpv${k}`, `__ignt${k}`, `__ignv${k}`];
    const bucket = input.bucketOf(T);
    const prevEnd = `(${input.bucketOf(pt)} + ${input.everyNs})`;
    const end = `(${bucket} + ${input.everyNs})`;
    const incoming =
      `if(${pt} IS NULL, 0., if(${input.bucketOf(pt)} = ${bucket}, ${trapezoid(pt, pv, T, x, c.unitNs)}, ` +
      `${trapezoid(prevEnd, interpolate(prevEnd, pt, pv, T, x), T, x, c.unitNs)}))`;
    const outgoing = `if(${nt} IS NULL OR ${input.bucketOf(nt)} = ${bucket}, 0., ${trapezoid(T, x, end, interpolate(end, T, x, nt, nv), c.unitNs)})`;
    areas.push(`if(${c.valueSql} IS NULL, 0., ${incoming} + ${outgoing}) AS __ig${k}`);
    areas.push(`toUInt8(${c.valueSql} IS NOT NULL AND ${nt} IS NULL AND ${T} = ${bucket}) AS __igcut${k}`);
  });
  return `(SELECT *, ${areas.join(', ')} FROM (SELECT *, ${neighbours.join(', ')} FROM ${input.source}))`;
}

/** The bucket's integral of column k over integralRowsSql's rows: NULL without points or when cut. */
export function integralAggregateSql(valueSql: string, k: number): string {
  return `if(countIf(${valueSql} IS NOT NULL) = 0 OR max(__igcut${k}) = 1, NULL, sum(__ig${k}))`;
}
