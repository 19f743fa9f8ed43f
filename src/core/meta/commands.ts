// Catalog mutations as plain data, so they can be persisted, replicated (Raft) and replayed.
// Every node applies the same commands in the same order (catalog.ts); their effects on stored
// data (drops, deletes) run where each one is applied (catalog-applier.ts).

import type { FieldType } from '../model/point.js';
import { USER_COMMAND_KINDS, type UserCommand } from './users.js';
import { CONTINUOUS_QUERY_COMMAND_KINDS, type ContinuousQueryCommand } from './continuous-queries.js';

export interface RetentionPolicyDefinition {
  readonly name: string;
  /** 0n means infinite. */
  readonly durationNs: bigint;
  /** 0n means "derive from the duration" as InfluxDB 1.x does. */
  readonly shardGroupDurationNs: bigint;
  readonly replicaN: number;
}

export type CatalogCommand =
  | {
      readonly kind: 'create-database';
      readonly name: string;
      readonly rp?: RetentionPolicyDefinition;
      /** Which of the policy's settings the statement gave (absent: all); an existing policy is compared on those only. */
      readonly rpGiven?: { readonly duration: boolean; readonly replicaN: boolean };
    }
  | { readonly kind: 'drop-database'; readonly name: string }
  | { readonly kind: 'create-retention-policy'; readonly db: string; readonly rp: RetentionPolicyDefinition; readonly makeDefault: boolean }
  | {
      readonly kind: 'alter-retention-policy';
      readonly db: string;
      readonly name: string;
      readonly durationNs?: bigint;
      readonly shardGroupDurationNs?: bigint;
      readonly replicaN?: number;
      readonly makeDefault?: boolean;
    }
  | { readonly kind: 'drop-retention-policy'; readonly db: string; readonly name: string }
  | {
      readonly kind: 'extend-measurement';
      readonly db: string;
      readonly rp: string;
      readonly measurement: string;
      readonly tagKeys: readonly string[];
      readonly fields: ReadonlyArray<readonly [string, FieldType]>;
      /** Fields beyond this many are not added (the write that wanted them is partly refused). */
      readonly maxFields?: number;
      /** Tag keys beyond this many are not added. */
      readonly maxTagKeys?: number;
    }
  | { readonly kind: 'drop-measurement'; readonly db: string; readonly name: string }
  /**
   * DELETE / DROP SERIES: rows of `measurements` (all measurements when empty) in every retention
   * policy of `db` matching `whereSql` (a ClickHouse boolean expression over the table's own
   * columns, built by the planner with any "now" already fixed; 'true' for all) are removed.
   */
  | { readonly kind: 'delete-data'; readonly db: string; readonly measurements: readonly string[]; readonly whereSql: string; readonly dropSeries: boolean }
  /** Users and grants: passwords arrive hashed (the node that took the statement hashed them). */
  | UserCommand
  | ContinuousQueryCommand;

/** Commands that only change the shape of the catalog and touch no stored data when applied. */
export function isSchemaOnly(command: CatalogCommand): boolean {
  return (
    command.kind === 'create-database' ||
    command.kind === 'create-retention-policy' ||
    command.kind === 'alter-retention-policy' ||
    command.kind === 'extend-measurement' ||
    USER_COMMAND_KINDS.has(command.kind) ||
    CONTINUOUS_QUERY_COMMAND_KINDS.has(command.kind)
  );
}
