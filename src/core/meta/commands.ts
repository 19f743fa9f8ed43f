// Catalog mutations as plain data, so they can be persisted, replicated (Raft) and replayed.
// Encoding is msgpackr; bigint durations survive the round trip.

import type { FieldType } from '../model/point.js';
import type { RetentionPolicyInfo } from './schema-view.js';

export type CatalogCommand =
  | { readonly kind: 'create-database'; readonly name: string; readonly rp?: RetentionPolicyInfo }
  | { readonly kind: 'drop-database'; readonly name: string }
  | { readonly kind: 'create-retention-policy'; readonly db: string; readonly rp: RetentionPolicyInfo; readonly makeDefault: boolean }
  | { readonly kind: 'alter-retention-policy'; readonly db: string; readonly rp: RetentionPolicyInfo; readonly makeDefault: boolean }
  | { readonly kind: 'drop-retention-policy'; readonly db: string; readonly name: string }
  | {
      readonly kind: 'extend-measurement';
      readonly db: string;
      readonly rp: string;
      readonly measurement: string;
      readonly tagKeys: readonly string[];
      readonly fields: ReadonlyArray<readonly [string, FieldType]>;
    }
  | { readonly kind: 'drop-measurement'; readonly db: string; readonly name: string };
