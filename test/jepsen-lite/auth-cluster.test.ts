// Users in a 3-node cluster with authentication on: users and grants are catalog commands
// replicated through Raft (the hash made once, where the statement came in), so a user created on
// one node authenticates on the others, and a password change applies everywhere. Peer traffic
// (replication) keeps using the cluster secret, never a user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../support/hyperbytedb-cluster.js';
import { hyperbytedbAvailable } from '../support/hyperbytedb-server.js';

const skip = hyperbytedbAvailable().available ? false : hyperbytedbAvailable().reason;
let cluster: TestCluster | undefined;

before(async () => {
  if (skip === false) cluster = await startCluster({ size: 3, env: { HYPERBYTEDB__SERVER__AUTH_ENABLED: 'true' } });
});

after(async () => {
  await cluster?.stop();
});

const q = encodeURIComponent;

async function send(url: string, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url + path, { method, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, body: (await res.text()).trim() };
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

test('a user created on one node authenticates on every node; a password change applies everywhere', { skip, timeout: 120_000 }, async () => {
  const [a, b, c] = cluster!.nodes.map((n) => n.url) as [string, string, string];
  const bootstrap = await send(b, 'POST', `/query?q=${q("CREATE USER adm WITH PASSWORD 'a' WITH ALL PRIVILEGES")}`);
  assert.deepEqual(bootstrap, { status: 200, body: '{"results":[{"statement_id":0}]}' });
  for (const url of [a, c]) {
    await eventually(`${url} knows the admin`, async () => (await send(url, 'GET', `/query?u=adm&p=a&q=${q('SHOW USERS')}`)).body === '{"results":[{"statement_id":0,"series":[{"columns":["user","admin"],"values":[["adm",true]]}]}]}');
    assert.equal((await send(url, 'GET', `/query?q=${q('SHOW USERS')}`)).status, 401, 'once an admin exists every node asks for credentials');
  }
  const setup = await send(c, 'POST', `/query?u=adm&p=a&q=${q("CREATE DATABASE sec; CREATE USER bob WITH PASSWORD 'b'; GRANT ALL ON sec TO bob")}`);
  assert.equal(setup.status, 200);
  assert.ok(!setup.body.includes('error'), setup.body);
  await eventually('bob writes through node a', async () => (await send(a, 'POST', '/write?db=sec&consistency=all&u=bob&p=b', 'm v=1 1000000000')).status === 204);
  await eventually('bob reads the point on node b', async () => (await send(b, 'GET', `/query?db=sec&u=bob&p=b&q=${q('SELECT v FROM m')}`)).body.includes('[["1970-01-01T00:00:01Z",1]]'));
  const changed = await send(b, 'POST', `/query?u=adm&p=a&q=${q("SET PASSWORD FOR bob = 'n'")}`);
  assert.equal(changed.body, '{"results":[{"statement_id":0}]}');
  for (const url of [a, b, c]) {
    await eventually(`the old password stops on ${url}`, async () => (await send(url, 'GET', `/query?u=bob&p=b&q=${q('SHOW DATABASES')}`)).status === 401);
    assert.equal((await send(url, 'GET', `/query?u=bob&p=n&q=${q('SHOW DATABASES')}`)).body, '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["sec"]]}]}]}');
  }
  const wrongNode = await send(a, 'POST', `/query?u=bob&p=n&q=${q('DROP USER adm')}`);
  assert.equal(wrongNode.status, 403);
  assert.match(wrongNode.body, /bob not authorized to execute statement 'DROP USER adm', requires admin privilege/);
});
