// The measurements a SHOW statement reads when InfluxDB 1.x answers it from its series index:
// the index is per database, so SHOW MEASUREMENTS / SERIES / TAG KEYS / TAG VALUES cover every
// retention policy, and a policy named in FROM narrows nothing. Pure: reads the schema only.

import type { DatabaseView, MeasurementView } from '../../meta/schema-view.js';
import type { Source, WithMeasurement } from '../language/ast.js';
import { compileRegex } from '../language/regex.js';
import { StatementError } from './result.js';

/** One measurement's table in one retention policy. */
export interface ShowTarget {
  readonly db: DatabaseView;
  readonly rp: string;
  readonly measurement: MeasurementView;
}

/** A measurement as the index knows it: its name and its table in each policy that has one. */
export interface IndexedMeasurement {
  readonly name: string;
  readonly parts: readonly ShowTarget[];
}

/** Every measurement of the database over all its policies, by name (sorted), each with its parts. */
export function indexedMeasurements(db: DatabaseView, keep: (name: string) => boolean = () => true): IndexedMeasurement[] {
  const byName = new Map<string, ShowTarget[]>();
  for (const rp of db.retentionPolicies) {
    for (const measurement of db.measurements(rp.name)) {
      if (!keep(measurement.name)) continue;
      const parts = byName.get(measurement.name);
      const target = { db, rp: rp.name, measurement };
      if (parts === undefined) byName.set(measurement.name, [target]);
      else parts.push(target);
    }
  }
  return [...byName.keys()].sort(compareNames).map((name) => ({ name, parts: byName.get(name)! }));
}

/** The FROM clause of a SHOW as a filter on measurement names (its database and policy ignored). */
export function sourceNameFilter(sources: readonly Source[]): (name: string) => boolean {
  if (sources.length === 0) return () => true;
  const tests = sources.map((source): ((name: string) => boolean) => {
    if (source.kind !== 'measurement') throw new StatementError('subqueries are not allowed in SHOW statements');
    if (source.regex !== undefined) {
      const re = compileRegex(source.regex);
      return (name) => re.test(name);
    }
    const wanted = source.name;
    return (name) => name === wanted;
  });
  return (name) => tests.some((t) => t(name));
}

/** SHOW MEASUREMENTS' `WITH MEASUREMENT` clause as a filter on names. */
export function withMeasurementFilter(source: WithMeasurement | undefined): (name: string) => boolean {
  if (source === undefined) return () => true;
  if ('name' in source) {
    const { name, op } = source;
    return (candidate) => (candidate === name) === (op === '=');
  }
  const re = compileRegex(source.regex);
  const op = source.op;
  return (candidate) => re.test(candidate) === (op === '=~');
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted, duplicate-free union of sorted lists (byte order, as the index iterates). */
export function mergeSorted<T>(lists: ReadonlyArray<readonly T[]>, key: (item: T) => string): T[] {
  const all = new Map<string, T>();
  for (const list of lists) for (const item of list) if (!all.has(key(item))) all.set(key(item), item);
  return [...all.keys()].sort(compareNames).map((k) => all.get(k)!);
}
