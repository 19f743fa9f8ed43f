// Cluster I on real processes over loopback: three nodes, quorum writes readable everywhere, DDL
// through a follower, a follower killed mid-stream catching up from the handoff, consistency=all
// failing clearly with a node down (and losing nothing), converging overwrites, peer-route auth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'undici';
import { startCluster, type TestCluster } from '../support/hyperbytedb-cluster.js';
import { signRequest, signingKey } from '../../src/cluster/peer-auth.js';

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ size: 3 });
});

after(async () => {
  await cluster?.stop();
});

async function query(url: string, q: string, db = 'rep'): Promise<{ results: Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][] }>; error?: string }> }> {
  const res = await request(`${url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`, { method: 'POST', headersTimeout: 30_000, bodyTimeout: 30_000 });
  assert.equal(res.statusCode, 200);
  return (await res.body.json()) as never;
}

async function write(url: string, body: string, params = ''): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await request(`${url}/write?db=rep${params}`, { method: 'POST', body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

async function values(url: string, q: string): Promise<unknown[][]> {
  const answer = await query(url, q);
  assert.equal(answer.results[0]?.error, undefined, JSON.stringify(answer));
  return answer.results[0]?.series?.[0]?.values ?? [];
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms`);
}

test('DDL sent to a follower is applied everywhere and visible at once on that follower', async () => {
  const leader = ((await (await request(`${cluster.nodes[0]!.url}/cluster/leader`)).body.json()) as { leader_id: string }).leader_id;
  const follower = cluster.nodes.find((n) => n.id !== leader)!;
  const created = await query(follower.url, 'CREATE DATABASE rep');
  assert.equal(created.results[0]?.error, undefined);
  const shown = await query(follower.url, 'SHOW DATABASES', '');
  assert.ok(JSON.stringify(shown).includes('"rep"'), 'SHOW on the same node right after sees it');
  for (const node of cluster.nodes) {
    await eventually(`${node.id} has the database`, async () => JSON.stringify(await query(node.url, 'SHOW DATABASES', '')).includes('"rep"'));
  }
  const conflict = await query(cluster.nodes[2]!.url, 'CREATE RETENTION POLICY week ON rep DURATION 7d REPLICATION 1');
  assert.equal(conflict.results[0]?.error, undefined);
  const again = await query(cluster.nodes[1]!.url, 'CREATE RETENTION POLICY week ON rep DURATION 8d REPLICATION 1');
  assert.equal(again.results[0]?.error, 'retention policy already exists', 'a refusal from the leader comes back with its message');
});

test('writes at quorum to node 1 are readable on nodes 2 and 3 once they hold them', async () => {
  const [n1, n2, n3] = cluster.nodes;
  const lines = Array.from({ length: 100 }, (_, i) => `q,host=h${i % 5} v=${i} ${1_600_000_000_000 + i}`).join('\n');
  const result = await write(n1!.url, lines, '&precision=ms&consistency=quorum');
  assert.equal(result.status, 204, result.text);
  const all = await write(n1!.url, 'q,host=last v=1000 1600000001000', '&precision=ms&consistency=all');
  assert.equal(all.status, 204, 'consistency=all: every node holds it when acknowledged');
  for (const node of [n1!, n2!, n3!]) {
    assert.equal((await values(node.url, 'SELECT count(v) FROM q'))[0]?.[1], 101, `${node.id} holds every point`);
  }
});

test('a write with an unknown consistency is refused (400)', async () => {
  const result = await write(cluster.nodes[0]!.url, 'x v=1', '&consistency=bogus');
  assert.equal(result.status, 400);
});

test('peer routes refuse unsigned and wrongly signed requests with 401', async () => {
  const url = cluster.nodes[1]!.url;
  const unsigned = await request(`${url}/internal/heartbeat`);
  assert.equal(unsigned.statusCode, 401);
  assert.deepEqual(await unsigned.body.json(), { error: 'authorization failed' });
  const wrong = signRequest(signingKey('not-the-secret'), { method: 'GET', pathWithQuery: '/internal/heartbeat', node: 'n9', nowMs: Date.now(), body: Buffer.alloc(0) });
  const wrongRes = await request(`${url}/internal/heartbeat`, { headers: { ...wrong } });
  assert.equal(wrongRes.statusCode, 401);
  await wrongRes.body.dump();
  const stale = signRequest(signingKey(cluster.secret), { method: 'GET', pathWithQuery: '/internal/heartbeat', node: 'n1', nowMs: Date.now() - 10 * 60_000, body: Buffer.alloc(0) });
  const staleRes = await request(`${url}/internal/heartbeat`, { headers: { ...stale } });
  assert.equal(staleRes.statusCode, 401, 'a signature outside the time window is refused');
  await staleRes.body.dump();
  const good = signRequest(signingKey(cluster.secret), { method: 'GET', pathWithQuery: '/internal/heartbeat', node: 'n1', nowMs: Date.now(), body: Buffer.alloc(0) });
  const goodRes = await request(`${url}/internal/heartbeat`, { headers: { ...good } });
  assert.equal(goodRes.statusCode, 200);
  await goodRes.body.dump();
  const replicate = await request(`${url}/internal/replicate`, { method: 'POST', body: Buffer.from([0x80]) });
  assert.equal(replicate.statusCode, 401);
  await replicate.body.dump();
});

test('concurrent overwrites of one point through two coordinators converge to one value everywhere', async () => {
  const [n1, n2, n3] = cluster.nodes;
  const writes: Array<Promise<unknown>> = [];
  for (let i = 0; i < 40; i++) {
    // Same series, time and field; different values through two coordinators at once.
    writes.push(write(n1!.url, `ow,host=a v=${i}.1 1600000000000`, '&precision=ms&consistency=all'));
    writes.push(write(n2!.url, `ow,host=a v=${i}.2 1600000000000`, '&precision=ms&consistency=all'));
  }
  await Promise.all(writes);
  const answers = await Promise.all([n1!, n2!, n3!].map((node) => values(node.url, 'SELECT v FROM ow')));
  assert.equal(answers[0]!.length, 1);
  assert.deepEqual(answers[1], answers[0], 'node 2 holds what node 1 holds');
  assert.deepEqual(answers[2], answers[0], 'node 3 holds what node 1 holds');
  // Stored alike too, versions included, once each node has flushed.
  await eventually('equal digests of the overwritten table', async () => {
    const digests = await Promise.all(
      [n1!, n2!, n3!].map(async (node) => {
        const manifest = (await (await request(`${node.url}/internal/sync/manifest?data_digest=1`)).body.json()) as { data_digest: Array<{ db: string; measurement: string; rows: number; hash: string }> };
        return JSON.stringify(manifest.data_digest.find((d) => d.db === 'rep' && d.measurement === 'ow'));
      }),
    );
    return digests[0]!.includes('"rows":1') && digests.every((d) => d === digests[0]);
  });
});

test('a follower killed during a stream of writes gets every acknowledged point from the handoff after its restart', async () => {
  const [n1, , n3] = cluster.nodes;
  let acked = 0;
  let stop = false;
  const writer = (async () => {
    for (let batch = 0; !stop && batch < 400; batch++) {
      const lines = Array.from({ length: 50 }, (_, i) => `hh,host=h${i % 7} v=${batch * 50 + i} ${1_600_000_000_000 + batch * 50 + i}`).join('\n');
      const result = await write(n1!.url, lines, '&precision=ms&consistency=quorum');
      if (result.status === 204) acked += 50;
    }
  })();
  await eventually('some writes acknowledged', async () => acked >= 500, 20_000);
  await cluster.kill(n3!.id);
  await eventually('writes continue with a node down', async () => acked >= 2_000, 30_000);
  stop = true;
  await writer;
  const wanted = acked;
  assert.equal((await values(n1!.url, 'SELECT count(v) FROM hh'))[0]?.[1], wanted);
  await cluster.start(n3!.id);
  await eventually(`n3 holds all ${wanted} acknowledged points`, async () => {
    const rows = await values(n3!.url, 'SELECT count(v) FROM hh').catch(() => []);
    return rows[0]?.[1] === wanted;
  }, 60_000);
});

test('consistency=all with a node down fails clearly, and the write reaches the node once it is back', async () => {
  const [n1, n2] = cluster.nodes;
  await cluster.kill(n2!.id);
  await eventually('n1 sees n2 down', async () => {
    const nodes = ((await (await request(`${n1!.url}/cluster/nodes`)).body.json()) as { nodes: Array<{ node_id: string; reachable: boolean }> }).nodes;
    return nodes.some((n) => n.node_id === n2!.id && !n.reachable);
  });
  // If n2 led, n1 is Disconnected (its own 503) until the two survivors elect a new leader.
  await eventually('n1 sees a leader', async () => ((await (await request(`${n1!.url}/cluster/leader`)).body.json()) as { leader_id: string | null }).leader_id !== null);
  const refused = await write(n1!.url, 'alldown v=1 1600000000000', '&precision=ms&consistency=all');
  assert.equal(refused.status, 503);
  assert.match(refused.text, /consistency all needs 3 of 3 nodes, 2 reachable/);
  assert.equal((await values(n1!.url, 'SELECT count(v) FROM alldown').catch(() => [])).length, 0, 'a refused write left nothing behind');
  const quorum = await write(n1!.url, 'alldown v=2 1600000000001', '&precision=ms&consistency=quorum');
  assert.equal(quorum.status, 204, 'quorum still works with one node down');
  await cluster.start(n2!.id);
  await cluster.waitReady();
  await eventually('n2 got the quorum write from the handoff', async () => (await values(n2!.url, 'SELECT count(v) FROM alldown'))[0]?.[1] === 1);
  const back = await write(n1!.url, 'alldown v=3 1600000000002', '&precision=ms&consistency=all');
  assert.equal(back.status, 204);
});

test('a cluster node\'s /metrics names every cluster metric and passes promtool check metrics', async (t) => {
  if (spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status !== 0) {
    t.skip('promtool is not installed');
    return;
  }
  const body = await (await request(`${cluster.nodes[0]!.url}/metrics`)).body.text();
  for (const name of [
    'hyperbytedb_replication_writes_total', 'hyperbytedb_replication_errors_total', 'hyperbytedb_replication_duration_seconds_bucket',
    'hyperbytedb_cluster_node_state', 'hyperbytedb_cluster_peers_active', 'hyperbytedb_hinted_handoff_pending_entries',
    'hyperbytedb_hinted_handoff_pending_bytes', 'hyperbytedb_hinted_handoff_oldest_seconds', 'hyperbytedb_replication_lag_entries',
    'hyperbytedb_raft_term', 'hyperbytedb_sync_catch_up_progress_ratio', 'hyperbytedb_drain_phase', 'hyperbytedb_write_consistency_total',
  ]) {
    assert.match(body, new RegExp(`^${name}`, 'm'), `${name} is exported`);
  }
  const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.equal((check.stdout + check.stderr).trim(), '');
});
