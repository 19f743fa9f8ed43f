import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signingKey, signRequest, verifyRequest } from '../../../src/cluster/peer-auth.js';

const key = signingKey('secret');
const body = Buffer.from('payload');

test('a signed request verifies; any change to method, path, body, node or key fails', () => {
  const headers = signRequest(key, { method: 'POST', pathWithQuery: '/internal/replicate?x=1', node: 'n1', nowMs: 1_000_000, body });
  const check = (over: Partial<{ method: string; pathWithQuery: string; body: Buffer; nowMs: number; headers: Record<string, string> }>, k = key) =>
    verifyRequest(k, { method: 'POST', pathWithQuery: '/internal/replicate?x=1', headers: { ...headers }, body, nowMs: 1_000_500, ...over }, 60_000);
  assert.deepEqual(check({}), { ok: true, node: 'n1' });
  assert.deepEqual(check({ method: 'GET' }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(check({ pathWithQuery: '/internal/replicate?x=2' }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(check({ body: Buffer.from('payloaD') }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(check({ headers: { ...headers, 'x-hyperbytedb-node': 'n2' } }), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(check({}, signingKey('other')), { ok: false, reason: 'bad-signature' });
  assert.deepEqual(check({ nowMs: 1_000_000 + 61_000 }), { ok: false, reason: 'expired' });
  assert.deepEqual(check({ headers: {} }), { ok: false, reason: 'missing' });
  assert.deepEqual(check({ headers: { ...headers, authorization: 'Basic abc' } }), { ok: false, reason: 'malformed' });
});
