// The newest points of one field of one series, as the last-value cache keeps them: at most
// `depth`, newest first, with what is known about the points it no longer holds. Pure.
//
// Invariant: every point of the (series, field) not held is older than the oldest one held, and
// none exists when `complete`. So a question whose answer lies in the known region is exact.

import type { FieldValue } from '../model/point.js';

/** The version of a value read back from storage, which does not tell it. */
export const UNKNOWN_VERSION = -1n;

export interface FieldHistory {
  /** Newest first, strictly decreasing. */
  readonly times: bigint[];
  readonly values: FieldValue[];
  readonly versions: bigint[];
  /** No older point exists than those held. */
  complete: boolean;
}

export function emptyHistory(): FieldHistory {
  return { times: [], values: [], versions: [], complete: true };
}

/** Rough heap bytes of one held value (the slot's arrays and the value itself). */
export function slotBytes(value: FieldValue): number {
  return 48 + (typeof value === 'string' ? 16 + 2 * value.length : 0);
}

/**
 * Adds a point (arguments positional: this runs for every field of every acknowledged point of a
 * cached measurement). At an equal time storage keeps the higher (version, value): a write's own
 * later point overwrites (one write has one version, and a local write's is above every version
 * this node holds), a lower version changes nothing. An equal version from another node (a
 * duplicate in its write, or two nodes' clocks agreeing) or a held value without a known version
 * is a conflict: the answer is null and the caller stops trusting the entry. Otherwise the answer
 * is the change in held bytes.
 */
export function mergePoint(history: FieldHistory, t: bigint, value: FieldValue, version: bigint, replicated: boolean, depth: number): number | null {
  const { times, values, versions } = history;
  const n = times.length;
  // Ingest mostly brings the newest point: check the head first.
  let i = 0;
  if (n > 0 && t <= times[0]!) {
    i = 1;
    while (i < n && times[i]! > t) i++;
    if (times[i - 1] === t) i--;
  }
  if (i < n && times[i] === t) {
    const held = versions[i]!;
    if (held === UNKNOWN_VERSION ? replicated : version === held && replicated) return null;
    // Storage keeps the higher (version, value): a lower version changes nothing.
    if (held !== UNKNOWN_VERSION && version < held) return 0;
    const bytes = slotBytes(value) - slotBytes(values[i]!);
    values[i] = value;
    versions[i] = version;
    return bytes;
  }
  if (i >= depth) {
    // Older than every one of `depth` held points: it is one of those not held.
    history.complete = false;
    return 0;
  }
  if (i === n && !history.complete) return 0;
  let bytes = slotBytes(value);
  let end = n;
  if (n === depth) {
    bytes -= slotBytes(values[n - 1]!);
    history.complete = false;
    end = n - 1;
  } else {
    times.push(t);
    values.push(value);
    versions.push(version);
  }
  // Shift [i, end) right by one, then write the point at i.
  for (let j = end; j > i; j--) {
    times[j] = times[j - 1]!;
    values[j] = values[j - 1]!;
    versions[j] = versions[j - 1]!;
  }
  times[i] = t;
  values[i] = value;
  versions[i] = version;
  return bytes;
}

/** Held bytes of a history. */
export function historyBytes(history: FieldHistory): number {
  let bytes = 0;
  for (const value of history.values) bytes += slotBytes(value);
  return bytes;
}

/** Oldest time from which on every point is known: -∞ (undefined) when complete. */
export function knownFromNs(history: FieldHistory | undefined): bigint | undefined {
  if (history === undefined || history.complete) return undefined;
  return history.times[history.times.length - 1];
}

export interface InRange {
  /** Indexes into the history, newest first. */
  readonly indexes: number[];
  /** The indexes are the `want` newest points in the range, or all of them. */
  readonly exact: boolean;
}

/** The newest `want` held points within [minNs, maxNs], and whether they are the true ones. */
export function newestInRange(history: FieldHistory | undefined, minNs: bigint, maxNs: bigint, want: number): InRange {
  if (history === undefined) return { indexes: [], exact: true };
  const indexes: number[] = [];
  const { times } = history;
  for (let i = 0; i < times.length && indexes.length < want; i++) {
    const t = times[i]!;
    if (t < minNs) break;
    if (t <= maxNs) indexes.push(i);
  }
  if (indexes.length >= want || history.complete) return { indexes, exact: true };
  // Points not held are older than the oldest held: none is in range if that one is at or below it.
  const oldest = times[times.length - 1];
  return { indexes, exact: oldest !== undefined && minNs >= oldest };
}

export type ValueAt = { readonly known: true; readonly value: FieldValue | null } | { readonly known: false };

/** The field's value at `t` (null when it has none there), if the history can tell. */
export function valueAt(history: FieldHistory | undefined, t: bigint): ValueAt {
  if (history === undefined) return { known: true, value: null };
  const { times } = history;
  for (let i = 0; i < times.length; i++) {
    const held = times[i]!;
    if (held === t) return { known: true, value: history.values[i]! };
    if (held < t) return { known: true, value: null };
  }
  return history.complete ? { known: true, value: null } : { known: false };
}

/**
 * Merges what storage holds (read after observing began, with each value's version) into what was
 * observed meanwhile: at equal times the higher version wins, as in storage; both keep their
 * guarantees, and the result holds the newest `depth` of both. Null when an equal time cannot be
 * ordered.
 */
export function mergeStored(observed: FieldHistory | undefined, stored: FieldHistory, depth: number): FieldHistory | null {
  if (observed === undefined) return stored;
  const out = emptyHistory();
  let a = 0;
  let b = 0;
  while (out.times.length < depth && (a < observed.times.length || b < stored.times.length)) {
    const ta = observed.times[a];
    const tb = stored.times[b];
    if (tb === undefined || (ta !== undefined && ta > tb)) {
      push(out, observed, a++);
    } else if (ta === undefined || tb > ta) {
      push(out, stored, b++);
    } else {
      // Equal times: storage holds the higher (version, value); the same version is the same
      // write (flushed before the read), unless the values differ or a version is unknown.
      const va = observed.versions[a]!;
      const vb = stored.versions[b]!;
      if (va === UNKNOWN_VERSION || vb === UNKNOWN_VERSION || (va === vb && observed.values[a] !== stored.values[b])) return null;
      push(out, va >= vb ? observed : stored, va >= vb ? a : b);
      a++;
      b++;
    }
  }
  const leftOver = a < observed.times.length || b < stored.times.length;
  out.complete = observed.complete && stored.complete && !leftOver;
  return out;
}

function push(out: FieldHistory, from: FieldHistory, i: number): void {
  out.times.push(from.times[i]!);
  out.values.push(from.values[i]!);
  out.versions.push(from.versions[i]!);
}
