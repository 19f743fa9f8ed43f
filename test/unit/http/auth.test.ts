import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCredentials } from '../../../src/http/auth.js';
import { traceIdOf } from '../../../src/http/request-context.js';
import { redactUrl } from '../../../src/http/server.js';
import { describeError } from '../../../src/http/error-handler.js';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

test('credentials as InfluxDB 1.x reads them: u/p first, then Token, then Basic', () => {
  assert.deepEqual(parseCredentials({ query: { u: 'bob', p: 'pw' }, headers: { authorization: basic('x:y') } }), { username: 'bob', password: 'pw' });
  assert.deepEqual(parseCredentials({ query: { u: ['bob', 'eve'], p: 'pw' }, headers: {} }), { username: 'bob', password: 'pw' }, 'first value of a repeated name');
  assert.deepEqual(parseCredentials({ query: {}, headers: { authorization: 'Token bob:p:w' } }), { username: 'bob', password: 'p:w' });
  assert.deepEqual(parseCredentials({ query: { u: 'bob' }, headers: { authorization: basic('al:s3:cret') } }), { username: 'al', password: 's3:cret' });
  assert.deepEqual(parseCredentials({ query: {}, headers: { authorization: basic(':pw') } }), { username: '', password: 'pw' });
  const refused = (request: Parameters<typeof parseCredentials>[0], message: string): void => {
    assert.throws(() => parseCredentials(request), (error: unknown) => describeError(error).status === 401 && (error as Error).message === message);
  };
  refused({ query: {}, headers: {} }, 'unable to parse authentication credentials');
  refused({ query: { u: 'bob' }, headers: {} }, 'unable to parse authentication credentials');
  refused({ query: {}, headers: { authorization: 'Token bob' } }, 'unable to parse authentication credentials');
  refused({ query: {}, headers: { authorization: 'Foo bar' } }, 'unable to parse authentication credentials');
  refused({ query: {}, headers: { authorization: basic('nocolon') } }, 'unable to parse authentication credentials');
  refused({ query: {}, headers: { authorization: 'Bearer abc' } }, 'bearer auth disabld');
});

test('traceparent gives the trace id; anything malformed gives null', () => {
  assert.equal(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(traceIdOf(undefined), null);
  assert.equal(traceIdOf('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), null);
  assert.equal(traceIdOf('garbage'), null);
});

test('request URLs in logs lose passwords: p= and any q= that sets one', () => {
  assert.equal(redactUrl('/query?u=bob&p=hunter2&q=SHOW%20DATABASES'), '/query?u=bob&p=[redacted]&q=SHOW%20DATABASES');
  const url = redactUrl(`/query?q=${encodeURIComponent("CREATE USER a WITH PASSWORD 'hunter2'")}&db=x`);
  assert.ok(!url.includes('hunter2'), url);
  assert.equal(url, '/query?q=[redacted]&db=x');
  assert.equal(redactUrl('/query?q=set+password+for+a+%3D+%27hunter2%27'), '/query?q=[redacted]');
});
