// Retention arithmetic of InfluxDB 1.x: which points a policy refuses at write time and what the
// retention service may remove. Pure; "now" is always passed in.

import type { Point } from '../model/point.js';
import type { RetentionPolicyInfo } from './schema-view.js';

/** 1.6.7's partial-write reason for points older than the policy keeps. */
export const BEYOND_RETENTION = 'points beyond retention policy';

/** Oldest time a write may carry under `policy` at `nowNs`; null when the policy keeps everything. */
export function retentionCutoffNs(policy: RetentionPolicyInfo | undefined, nowNs: bigint): bigint | null {
  if (policy === undefined || policy.durationNs <= 0n) return null;
  return nowNs - policy.durationNs;
}

/** The points a write keeps: those not older than the cutoff (the array itself when none is); a point without a time is now. */
export function withinRetention(points: readonly Point[], cutoffNs: bigint | null): readonly Point[] {
  if (cutoffNs === null) return points;
  const kept = (point: Point): boolean => point.timeNs === null || point.timeNs >= cutoffNs;
  return points.every(kept) ? points : points.filter(kept);
}

/**
 * Start of the data the retention service keeps: InfluxDB 1.x deletes a shard group once its end
 * lies before now − duration, so a point stays visible until its whole shard group expired. The
 * cutoff is therefore now − duration rounded down to the shard group boundary (groups are aligned
 * to the Unix epoch; a week-long group to Monday, as Go's zero time is a Monday), and it moves only
 * once per shard group duration. Null when the policy keeps everything.
 */
export function expiryCutoffNs(policy: RetentionPolicyInfo, nowNs: bigint): bigint | null {
  if (policy.durationNs <= 0n) return null;
  return shardGroupStartNs(nowNs - policy.durationNs, policy.shardGroupDurationNs);
}

const ZERO_TO_EPOCH_NS = 62_135_596_800_000_000_000n;

/** Go's time.Truncate(d) for Unix nanoseconds: multiples of d since Go's zero time (a Monday, 0001-01-01). */
export function shardGroupStartNs(timeNs: bigint, shardGroupDurationNs: bigint): bigint {
  if (shardGroupDurationNs <= 0n) return timeNs;
  // Go's zero time lies 719162 days (3 days past a Monday-started week) before the Unix epoch.
  const shifted = timeNs + ZERO_TO_EPOCH_NS;
  const rest = ((shifted % shardGroupDurationNs) + shardGroupDurationNs) % shardGroupDurationNs;
  return timeNs - rest;
}
