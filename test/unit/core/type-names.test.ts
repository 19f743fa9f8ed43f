// ClickHouse type names as chDB reports them: split at top-level commas, outside quotes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTypeName, splitTypeArgs } from '../../../src/core/store/type-names.js';

test('type names split at top-level commas only', () => {
  assert.deepEqual(splitTypeArgs("Nullable(Float64), DateTime64(9, 'UTC'), String"), ['Nullable(Float64)', "DateTime64(9, 'UTC')", 'String']);
  assert.deepEqual(splitTypeArgs("'a,(b', Int8"), ["'a,(b'", 'Int8']);
  assert.deepEqual(parseTypeName('Array(Tuple(UInt8, String))'), { name: 'Array', args: ['Tuple(UInt8, String)'] });
  assert.deepEqual(parseTypeName('Float64'), { name: 'Float64', args: [] });
  assert.equal(parseTypeName('Array(Int8'), undefined);
});
