// A parsed data point: the unit every layer of the write path passes along.
// Plain data, msgpackr-encodable, flat arrays instead of per-field objects (hot path).

export type FieldType = 'float' | 'integer' | 'unsigned' | 'string' | 'boolean';

/**
 * A field value. float: a finite JS number; integer/unsigned: canonical decimal text
 * (exact over the full 64-bit range, range-checked by the parser); string: the unescaped
 * text; boolean: a JS boolean.
 */
export type FieldValue = number | string | boolean;

export interface Point {
  readonly measurement: string;
  /** Tags as a flat [key0, value0, key1, value1, …] list sorted by key, keys unique. */
  readonly tags: readonly string[];
  /** Field keys, unique (for duplicate keys in a line the last one wins). */
  readonly fieldKeys: readonly string[];
  readonly fieldTypes: readonly FieldType[];
  readonly fieldValues: readonly FieldValue[];
  /** Nanoseconds since the Unix epoch; null when the line had none (the caller stamps server time). */
  readonly timeNs: bigint | null;
}
