// Prometheus remote write and read mapped as InfluxDB 1.x's prometheus package maps them: a
// sample becomes a point of measurement `__name__` (or prom_metric_not_specified), every label
// a tag (`__name__` too), field `value`; a read's matchers become an InfluxQL SELECT of the float
// `value` field (the `__name__` matchers pick measurements). Pure: no I/O.

import type { DatabaseView } from '../meta/schema-view.js';
import type { Point } from '../model/point.js';
import type { Series } from '../query/index.js';
import { BadRequestError } from '../errors.js';

export const PROM_NAME_LABEL = '__name__';
/** 1.x's measurement for a series without `__name__`. */
export const UNNAMED_MEASUREMENT = 'prom_metric_not_specified';
export const PROM_VALUE_FIELD = 'value';

export interface PromLabel {
  readonly name: string;
  readonly value: string;
}

export interface PromSample {
  readonly value: number;
  readonly timestampMs: bigint;
}

export interface PromTimeSeries {
  readonly labels: readonly PromLabel[];
  readonly samples: readonly PromSample[];
}

export const enum MatchType {
  Equal = 0,
  NotEqual = 1,
  RegexMatch = 2,
  RegexNoMatch = 3,
}

export interface PromMatcher {
  readonly type: number;
  readonly name: string;
  readonly value: string;
}

export interface PromQuery {
  readonly startMs: bigint;
  readonly endMs: bigint;
  readonly matchers: readonly PromMatcher[];
}

/**
 * WriteRequestToPoints: NaN samples are dropped (reported, not an error); +/-Inf rejects the
 * request as models.NewPoint does.
 */
export function promSeriesToPoints(series: readonly PromTimeSeries[]): { readonly points: Point[]; readonly droppedNaN: number } {
  const points: Point[] = [];
  let droppedNaN = 0;
  for (const ts of series) {
    const byName = new Map<string, string>();
    let measurement = UNNAMED_MEASUREMENT;
    for (const label of ts.labels) {
      byName.set(label.name, label.value);
      if (label.name === PROM_NAME_LABEL) measurement = label.value;
    }
    const tags: string[] = [];
    for (const key of [...byName.keys()].sort()) tags.push(key, byName.get(key)!);
    for (const sample of ts.samples) {
      if (Number.isNaN(sample.value)) {
        droppedNaN++;
        continue;
      }
      if (!Number.isFinite(sample.value)) throw new BadRequestError(`+/-Inf is an unsupported value for field ${PROM_VALUE_FIELD}`);
      points.push({ measurement, tags, fieldKeys: [PROM_VALUE_FIELD], fieldTypes: ['float'], fieldValues: [sample.value], timeNs: sample.timestampMs * 1_000_000n });
    }
  }
  return { points, droppedNaN };
}

function identifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A Prometheus regex is anchored at both ends; InfluxQL's regex literal escapes `/`. */
function anchoredRegexLiteral(source: string): string {
  let body = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      body += c + source[++i];
    } else body += c === '/' ? '\\/' : c;
  }
  return `/^(?:${body})$/`;
}

function compileMatcherRegex(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    throw new BadRequestError(`invalid regular expression in matcher: ${source}`);
  }
}

function matchesName(matcher: PromMatcher, name: string): boolean {
  switch (matcher.type) {
    case MatchType.Equal:
      return name === matcher.value;
    case MatchType.NotEqual:
      return name !== matcher.value;
    case MatchType.RegexMatch:
      return compileMatcherRegex(matcher.value).test(name);
    case MatchType.RegexNoMatch:
      return !compileMatcherRegex(matcher.value).test(name);
    default:
      throw new BadRequestError(`unknown match type ${matcher.type}`);
  }
}

function tagCondition(matcher: PromMatcher): string {
  const key = identifier(matcher.name);
  switch (matcher.type) {
    case MatchType.Equal:
      return `${key} = ${stringLiteral(matcher.value)}`;
    case MatchType.NotEqual:
      return `${key} != ${stringLiteral(matcher.value)}`;
    case MatchType.RegexMatch:
      compileMatcherRegex(matcher.value);
      return `${key} =~ ${anchoredRegexLiteral(matcher.value)}`;
    case MatchType.RegexNoMatch:
      compileMatcherRegex(matcher.value);
      return `${key} !~ ${anchoredRegexLiteral(matcher.value)}`;
    default:
      throw new BadRequestError(`unknown match type ${matcher.type}`);
  }
}

/**
 * The InfluxQL of one remote read query against `rp` of `db`, or undefined when no measurement
 * matches: the float `value` field of the measurements the `__name__` matchers pick, filtered by
 * the other matchers as tag conditions, between the query's times (inclusive), one series per tag set.
 */
export function promQueryToInfluxQL(query: PromQuery, db: DatabaseView, rp: string): string | undefined {
  if (query.matchers.length === 0) throw new BadRequestError('expected matcher');
  const nameMatchers = query.matchers.filter((m) => m.name === PROM_NAME_LABEL);
  const measurements = db
    .measurements(rp)
    .filter((m) => m.fieldTypes.get(PROM_VALUE_FIELD) === 'float')
    .map((m) => m.name)
    .filter((name) => nameMatchers.every((m) => matchesName(m, name)));
  const conditions = query.matchers.filter((m) => m.name !== PROM_NAME_LABEL).map(tagCondition);
  if (measurements.length === 0) return undefined;
  conditions.push(`time >= ${query.startMs * 1_000_000n}`, `time <= ${query.endMs * 1_000_000n}`);
  return `SELECT ${identifier(PROM_VALUE_FIELD)} FROM ${measurements.map(identifier).join(', ')} WHERE ${conditions.join(' AND ')} GROUP BY *`;
}

/**
 * The read's series in series-key order (as 1.x's storage reads them): labels are the non-empty
 * tags (as ModelTagsToLabelPairs), samples in milliseconds.
 */
export function seriesToPromTimeSeries(series: readonly Series[]): PromTimeSeries[] {
  const out: Array<PromTimeSeries & { readonly key: string }> = [];
  for (const s of series) {
    const tags = s.tags ?? {};
    const labels = Object.keys(tags)
      .sort()
      .filter((k) => (tags[k] ?? '') !== '')
      .map((name) => ({ name, value: tags[name]! }));
    const samples: PromSample[] = [];
    for (const row of s.values) {
      const value = row[1];
      if (typeof value !== 'number' || typeof row[0] !== 'bigint') continue;
      samples.push({ value, timestampMs: row[0] / 1_000_000n });
    }
    const key = [s.name ?? '', ...labels.map((l) => `${l.name}=${l.value}`)].join(',');
    if (samples.length > 0) out.push({ key, labels, samples });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return out.map(({ labels, samples }) => ({ labels, samples }));
}
