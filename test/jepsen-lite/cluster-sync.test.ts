// Cluster II on real processes over loopback: a node whose coordinator died catches up from the
// others at its restart; a wiped node copies the data set and ends with every acknowledged point;
// a brand-new node joins with --join, copies, becomes Active; manifests agree.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { request } from 'undici';
import { startCluster, type TestCluster } from '../support/hyperbytedb-cluster.js';

let cluster: TestCluster;

before(async () => {
  // Small WAL retention for peers and a fast flush: entries go away soon, so a wiped node must copy.
  cluster = await startCluster({ size: 3, env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '1', HYPERBYTEDB__CLUSTER__SYNC_INTERVAL: '2s', HYPERBYTEDB__CLUSTER__STARTUP_SYNC_TIMEOUT: '20s' } });
  const res = await request(`${cluster.nodes[0]!.url}/query?q=${encodeURIComponent('CREATE DATABASE sync')}`, { method: 'POST' });
  assert.equal(res.statusCode, 200);
  await res.body.dump();
});

after(async () => {
  await cluster?.stop();
});

async function write(url: string, from: number, count: number, consistency = 'quorum'): Promise<number> {
  const lines = Array.from({ length: count }, (_, i) => `s,host=h${(from + i) % 9} v=${from + i} ${1_600_000_000_000 + from + i}`).join('\n');
  const res = await request(`${url}/write?db=sync&precision=ms&consistency=${consistency}`, { method: 'POST', body: lines, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const text = await res.body.text();
  assert.equal(res.statusCode, 204, text);
  return count;
}

async function countOn(url: string): Promise<number | null> {
  try {
    const res = await request(`${url}/query?db=sync&q=${encodeURIComponent('SELECT count(v) FROM s')}`, { headersTimeout: 30_000, bodyTimeout: 30_000 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return null;
    }
    const json = (await res.body.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }>; error?: string }> };
    return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
  } catch {
    return null;
  }
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

let acked = 0;

test('a node down while a coordinator wrote and died pulls those entries from the survivor at its restart', async () => {
  const [n1, n2, n3] = cluster.nodes;
  acked += await write(n1!.url, acked, 500);
  await cluster.kill(n3!.id);
  acked += await write(n1!.url, acked, 500);
  // The coordinator dies: n3 can only get n1's entries from n2.
  await cluster.kill(n1!.id);
  await cluster.start(n3!.id);
  await eventually('n3 holds every acknowledged point', async () => (await countOn(n3!.url)) === acked);
  assert.equal(await countOn(n2!.url), acked);
  await cluster.start(n1!.id);
  await cluster.waitReady();
});

test('a wiped node comes back Syncing, copies the data set, and ends with every acknowledged point', async () => {
  const [n1, , n3] = cluster.nodes;
  for (let i = 0; i < 4; i++) acked += await write(n1!.url, acked, 1000);
  await cluster.kill(n3!.id);
  await rm(n3!.dataDir, { recursive: true, force: true });
  acked += await write(n1!.url, acked, 500);
  await cluster.start(n3!.id);
  await eventually('the wiped node holds every acknowledged point', async () => (await countOn(n3!.url)) === acked, 90_000);
  await cluster.waitReady();
  const manifest = async (url: string): Promise<{ state: string; origins: Record<string, { watermark: number }> }> => (await (await request(`${url}/internal/sync/manifest`)).body.json()) as never;
  const wiped = await manifest(n3!.url);
  const coordinator = await manifest(n1!.url);
  assert.equal(wiped.state, 'active');
  for (const [origin, position] of Object.entries(coordinator.origins)) {
    assert.equal(wiped.origins[origin]?.watermark, position.watermark, `the wiped node is as far as n1 in origin ${origin}`);
  }
});

test('a new node joins with --join, copies the data, becomes Active and serves every point', async () => {
  const seed = `127.0.0.1:${cluster.nodes[1]!.httpPort}`;
  const n4 = await cluster.addNode(seed);
  await eventually('n4 is Active with every point', async () => (await countOn(n4.url)) === acked, 90_000);
  const nodes = ((await (await request(`${cluster.nodes[0]!.url}/cluster/nodes`)).body.json()) as { nodes: Array<{ node_id: string; state: string }> }).nodes;
  assert.deepEqual(nodes.map((n) => [n.node_id, n.state]), [['n1', 'active'], ['n2', 'active'], ['n3', 'active'], ['n4', 'active']]);
  acked += await write(n4.url, acked, 100, 'all');
  for (const node of cluster.nodes) assert.equal(await countOn(node.url), acked, `${node.id} holds every point`);
});

test('data digests agree on every node once writes stop', async () => {
  await eventually('equal data digests', async () => {
    const digests = await Promise.all(
      cluster.nodes.map(async (n) => JSON.stringify(((await (await request(`${n.url}/internal/sync/manifest?data_digest=1`)).body.json()) as { data_digest: unknown }).data_digest)),
    );
    return digests.every((d) => d === digests[0]);
  }, 30_000);
});
