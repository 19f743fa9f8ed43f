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
  /** Some held value came from another node's write (its version may be below a stored one's). */
  replicated: boolean;
}

export type MergeOutcome = 'changed' | 'unchanged' | 'conflict';

export function emptyHistory(): FieldHistory {
  return { times: [], values: [], versions: [], complete: true, replicated: false };
}

/** Rough heap bytes of one held value (the slot's arrays and the value itself). */
export function slotBytes(value: FieldValue): number {
  return 48 + (typeof value === 'string' ? 16 + 2 * value.length : 0);
}

/**
 * Adds a point. Equal times overwrite (InfluxDB's last write per field): a later local write has
 * a higher version than anything held; a replicated one may not, and a value read back from
 * storage has no known version. Where the two orders storage may use (arrival, version) could
 * disagree, the outcome is 'conflict' and the caller stops trusting the series.
 * Returns the outcome and the change in held bytes.
 */
export function mergePoint(
  history: FieldHistory,
  point: { readonly timeNs: bigint; readonly value: FieldValue; readonly version: bigint; readonly replicated: boolean },
  depth: number,
): { outcome: MergeOutcome; bytes: number } {
  const { times } = history;
  const t = point.timeNs;
  // Ingest mostly appends the newest point: check the head first.
  let i = 0;
  if (times.length > 0 && t <= times[0]!) {
    i = 1;
    while (i < times.length && times[i]! > t) i++;
    if (times[i - 1] === t) i--;
  }
  if (i < times.length && times[i] === t) {
    const held = history.versions[i]!;
    const ordered = held === UNKNOWN_VERSION ? !point.replicated : point.version >= held;
    if (!ordered) return { outcome: 'conflict', bytes: 0 };
    const bytes = slotBytes(point.value) - slotBytes(history.values[i]!);
    history.values[i] = point.value;
    history.versions[i] = point.version;
    if (point.replicated) history.replicated = true;
    return { outcome: 'changed', bytes };
  }
  if (i >= depth) {
    // Older than every one of `depth` held points: it is one of those not held.
    history.complete = false;
    return { outcome: 'unchanged', bytes: 0 };
  }
  if (i === times.length && !history.complete) return { outcome: 'unchanged', bytes: 0 };
  times.splice(i, 0, t);
  history.values.splice(i, 0, point.value);
  history.versions.splice(i, 0, point.version);
  if (point.replicated) history.replicated = true;
  let bytes = slotBytes(point.value);
  if (times.length > depth) {
    times.pop();
    history.versions.pop();
    bytes -= slotBytes(history.values.pop()!);
    history.complete = false;
  }
  return { outcome: 'changed', bytes };
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
 * Merges what storage holds (read after observing began) into what was observed meanwhile: the
 * observed value wins at equal times (it was written later), both keep their guarantees, and the
 * result holds the newest `depth` of both. Null when an equal time cannot be ordered.
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
      // Storage may order another node's write below the stored value (by version): unknown here.
      if (observed.replicated) return null;
      push(out, observed, a++);
      b++;
    }
  }
  const leftOver = a < observed.times.length || b < stored.times.length;
  out.complete = observed.complete && stored.complete && !leftOver;
  out.replicated = observed.replicated;
  return out;
}

function push(out: FieldHistory, from: FieldHistory, i: number): void {
  out.times.push(from.times[i]!);
  out.values.push(from.values[i]!);
  out.versions.push(from.versions[i]!);
}
