// cellConverter is convertCell with the type's tests done once per column: same answer for every
// type and value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cellConverter, convertCell } from '../../../src/core/query/execute/select-executor.js';

const TYPES = [
  'Int64', 'UInt64', 'Nullable(Int64)', 'Int32', 'UInt8', 'Float64', 'Nullable(Float64)', 'Float32', 'String', 'LowCardinality(String)',
  'LowCardinality(Nullable(String))', 'Bool', 'SimpleAggregateFunction(anyLast, Nullable(Float64))', 'SimpleAggregateFunction(anyLast, Nullable(Int64))',
  'Int128', 'Array(Nullable(Float64))', 'Tuple(Int64, Nullable(String))', "DateTime64(9, 'UTC')", '',
];

const cell = fc.oneof(
  fc.constantFrom(null, undefined, 'nan', 'inf', '-inf', '+inf', '-12', '12345678901234567890', '1.5', 'x', true, false, Infinity, -Infinity, NaN, 0, -0),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.string()), { maxLength: 3 }),
);

/** A call's value, or the kind of error it threw (a fraction is no BigInt either way). */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

test('cellConverter(type)(value) equals convertCell(value, type)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...TYPES), cell, (type, value) => {
      assert.deepEqual(outcome(() => cellConverter(type)(value)), outcome(() => convertCell(value, type)));
    }),
    { numRuns: 20_000 },
  );
});
