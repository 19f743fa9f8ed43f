// Field type checks: InfluxDB's type errors instead of engine errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelect } from '../../../src/core/query/language/parser.js';
import { checkSelectTypes } from '../../../src/core/query/execute/select-types.js';
import type { MeasurementView } from '../../../src/core/meta/schema-view.js';

const view: MeasurementView = {
  name: 'm',
  tagKeys: ['host'],
  fieldTypes: new Map([['usage_user', 'float'], ['mode', 'string'], ['used', 'integer'], ['ok', 'boolean']]),
};

const check = (q: string): void => checkSelectTypes(parseSelect(q), view);

test('incompatible operands report the typed expression', () => {
  assert.throws(() => check('SELECT usage_user & 1 FROM m'), { message: 'type error: usage_user::float & 1: incompatible types: float and integer' });
  assert.throws(() => check('SELECT mode + 1 FROM m'), { message: 'type error: mode::string + 1: incompatible types: string and integer' });
  assert.throws(() => check("SELECT host + 'x' FROM m"), { message: "type error: host::tag + 'x': incompatible types: tag and string" });
});

test('numeric-only iterators refuse strings and booleans', () => {
  assert.throws(() => check('SELECT top(mode, 2) FROM m'), { message: 'unsupported top iterator type: *query.stringInterruptIterator' });
  assert.throws(() => check('SELECT derivative(ok) FROM m'), { message: 'unsupported derivative iterator type: *query.booleanInterruptIterator' });
});

test('numeric mixes, bitwise integers and unknown fields pass', () => {
  for (const q of ['SELECT usage_user * 2 + used FROM m', 'SELECT used & 255 FROM m', 'SELECT nosuch + 1 FROM m', 'SELECT mean(usage_user) * 2 FROM m']) {
    assert.doesNotThrow(() => check(q), q);
  }
});
