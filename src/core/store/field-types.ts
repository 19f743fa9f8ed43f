// The ClickHouse types a field is stored and read as. Pure: imported by the flush encoder's
// worker thread, which must never load chdb (a second copy of its addon there breaks the process's).

import type { FieldType } from '../model/point.js';

const CH_TYPES: Readonly<Record<FieldType, string>> = {
  float: 'Float64',
  integer: 'Int64',
  unsigned: 'UInt64',
  string: 'String',
  boolean: 'Bool',
};

/** A field's value type as queries read it. */
export function fieldValueType(type: FieldType): string {
  return `Nullable(${CH_TYPES[type]})`;
}

/**
 * A field's stored type: (version, value), merged by max. Rows of one series and time merge per
 * field into the highest version, then the highest value (NaN lowest, strings by bytes), so every
 * replica keeps the same value whatever order the writes came in; a field a row lacks is
 * (0, NULL), below any written value. Queries read the value element (naming.ts fieldValueSql).
 */
export function fieldStorageType(type: FieldType): string {
  return `SimpleAggregateFunction(max, Tuple(UInt64, ${fieldValueType(type)}))`;
}

/** The RowBinary type the insert encoder writes a field as (what fieldStorageType holds). */
export function fieldInsertType(type: FieldType): string {
  return `Tuple(UInt64, ${fieldValueType(type)})`;
}
