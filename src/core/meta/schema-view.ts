// Read-only view of the catalog that the query layer plans against.
// Pure data access: never performs I/O, never mutates.

import type { FieldType } from '../model/point.js';
import type { ContinuousQueryInfo } from './continuous-queries.js';

export interface RetentionPolicyInfo {
  readonly name: string;
  /** 0n means infinite. */
  readonly durationNs: bigint;
  readonly shardGroupDurationNs: bigint;
  readonly replicaN: number;
}

export interface MeasurementView {
  readonly name: string;
  /** Sorted tag keys ever written to this measurement. */
  readonly tagKeys: readonly string[];
  /** Field key → type (fixed per measurement once written). */
  readonly fieldTypes: ReadonlyMap<string, FieldType>;
}

export interface DatabaseView {
  readonly name: string;
  readonly defaultRetentionPolicy: string;
  readonly retentionPolicies: readonly RetentionPolicyInfo[];
  /** Measurements that hold data in one retention policy, sorted by name. */
  measurements(rp: string): readonly MeasurementView[];
  measurement(rp: string, name: string): MeasurementView | undefined;
  /** Continuous queries in creation order (views without them have none). */
  readonly continuousQueries?: readonly ContinuousQueryInfo[];
}

export interface SchemaView {
  /** Database names in creation order (SHOW DATABASES order). */
  databaseNames(): readonly string[];
  database(name: string): DatabaseView | undefined;
}
