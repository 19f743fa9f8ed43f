// A restored cluster node rejoins and catches up (issue 11), on real processes: a 3-node cluster
// takes quorum writes through every node; n3 is backed up online while they run; writes go on, n3
// is killed, catalog changes (a new retention policy, a dropped database) happen while it is down,
// the backup is restored over n3's directories and n3 starts again with the same configuration.
// The restore set its Raft state aside (the backup's catalog is older than what n3 promised in
// Raft), so it rejoins through its seeds as a learner, replays the catalog, merges the leader's
// data and pulls what it missed, turns Active and becomes a voter again. Then every acknowledged
// point is on n3 exactly once, and the catalog, WAL watermarks and data digests are the others'.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runHyperbytedbCli, type CommandResult } from './support/real-clients.js';
import { startCluster, type ClusterNode, type TestCluster } from '../support/hyperbytedb-cluster.js';
import { hyperbytedbAvailable } from '../support/hyperbytedb-server.js';

const skip = hyperbytedbAvailable().available ? false : hyperbytedbAvailable().reason;
let cluster: TestCluster | undefined;
let root: string | undefined;

after(async () => {
  await cluster?.stop();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

const cli = (args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CommandResult> => runHyperbytedbCli(args, { env });

async function getJson<T>(url: string): Promise<T> {
  const res = await request(url, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  const text = await res.body.text();
  assert.equal(res.statusCode, 200, `${url}: ${text}`);
  return JSON.parse(text) as T;
}

async function statement(url: string, q: string, db = ''): Promise<Array<Array<unknown>>> {
  const res = await request(`${url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`, { method: 'POST', headersTimeout: 30_000, bodyTimeout: 30_000 });
  const body = (await res.body.json()) as { results: Array<{ series?: Array<{ name: string; values: unknown[][] }>; error?: string }> };
  assert.equal(body.results[0]?.error, undefined, `${q}: ${JSON.stringify(body)}`);
  return body.results[0]?.series?.flatMap((s) => s.values.map((v) => [s.name, ...v])) ?? [];
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: not within ${timeoutMs} ms${last === null ? '' : ` (last error: ${String(last)})`}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BATCH = 100;
const T0 = 1_700_000_000_000; // ms: times stay exact in JSON

interface Manifest {
  state: string;
  origins: Record<string, { watermark: number }>;
  catalog: { applied_index: number; digest: string };
  data_digest?: unknown;
}

test('a node restored from its online backup rejoins, catches up through sync, and ends with every acknowledged point once and the same catalog', { skip, timeout: 150_000 }, async (t) => {
  const began = Date.now();
  const phase = (what: string): void => t.diagnostic(`${what} at ${Date.now() - began} ms`);
  root = await mkdtemp(join(tmpdir(), 'hb-cluster-restore-'));
  const backupDir = join(root, 'backup');
  cluster = await startCluster({
    size: 3,
    env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '0.5', HYPERBYTEDB__CLUSTER__SYNC_INTERVAL: '2s', HYPERBYTEDB__CLUSTER__STARTUP_SYNC_TIMEOUT: '20s' },
  });
  phase('cluster up');
  const [n1, n2, n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  await statement(n1.url, 'CREATE DATABASE rst');
  await statement(n1.url, 'CREATE DATABASE gone');
  const gone = await request(`${n1.url}/write?db=gone&consistency=all`, { method: 'POST', body: 'g v=1 1\ng v=2 2' });
  assert.equal(gone.statusCode, 204, await gone.body.text());

  // Writers: batch b holds ids b*BATCH … b*BATCH+BATCH-1, one write, sent to a running node in turn.
  const acked: number[] = [];
  const down = new Set<string>();
  let stop = false;
  let next = 0;
  const writer = async (): Promise<void> => {
    while (!stop) {
      const batch = next++;
      const up = cluster!.nodes.filter((n) => !down.has(n.id));
      const node = up[batch % up.length]!;
      const lines = Array.from({ length: BATCH }, (_, i) => `m,w=${batch % 3} id=${batch * BATCH + i}i ${T0 + batch * BATCH + i}`);
      try {
        const res = await request(`${node.url}/write?db=rst&precision=ms&consistency=quorum`, { method: 'POST', body: lines.join('\n'), headersTimeout: 15_000, bodyTimeout: 15_000 });
        await res.body.dump();
        if (res.statusCode === 204) acked.push(batch);
      } catch {
        // the node went away mid-request: not acknowledged
      }
    }
  };
  const writers = [writer(), writer()];
  try {
    await sleep(1000);
    const backup = await cli(['backup', '--data-dir', n3.dataDir, '--output', backupDir]);
    assert.equal(backup.status, 0, backup.stderr + backup.stdout);
    assert.match(backup.stdout, /backup of the running server written to/);
    phase('backup taken');
    await sleep(500);
    // n3 goes down (killed: a restore replaces its directories whichever way it stopped, and a
    // SIGTERM right after the backup sometimes waited out the harness's 15 s stop timeout); the
    // others keep taking writes and change the catalog without it.
    down.add(n3.id);
    await cluster.kill(n3.id);
    phase('n3 stopped');
    await statement(n1.url, 'CREATE RETENTION POLICY later ON rst DURATION 0s REPLICATION 1');
    await statement(n2.url, 'DROP DATABASE gone');
    await sleep(500);
    // The node's own cluster settings (as its serve has them): the restore names its seeds.
    const seeds = [n1, n2].map((n) => `127.0.0.1:${n.httpPort}`).join(',');
    const restored = await cli(['restore', '--data-dir', n3.dataDir, '--input', backupDir], { HYPERBYTEDB__CLUSTER__NODE_ID: n3.id, HYPERBYTEDB__CLUSTER__JOIN: seeds, HYPERBYTEDB__CLUSTER__SECRET: cluster.secret });
    assert.equal(restored.status, 0, restored.stderr + restored.stdout);
    assert.match(restored.stdout, /Raft state was moved to .*raft\.before-restore-\d+: start it as before: it rejoins through its seeds \(127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)/);
    assert.ok((await readdir(n3.dataDir)).some((e) => e.startsWith('raft.before-restore-')), 'the old Raft state is kept aside, not deleted');
    phase('restored');
    await cluster.start(n3.id);
    down.delete(n3.id);
    phase('n3 answers');
    await cluster.waitReady(60_000);
    await sleep(500);
  } finally {
    stop = true;
    await Promise.all(writers);
  }
  assert.ok(acked.length > 20, `only ${acked.length} writes were acknowledged`);

  phase('cluster ready');
  // A member again: Active, a voter, and it sees the same leader as the others.
  await eventually('n3 is an Active voter on every node', async () => {
    for (const node of cluster!.nodes) {
      const view = await getJson<{ nodes: Array<{ node_id: string; state: string; voter: boolean }> }>(`${node.url}/cluster/nodes`);
      const me = view.nodes.find((n) => n.node_id === 'n3');
      if (me?.state !== 'active' || !me.voter) return false;
    }
    return true;
  });
  const leaders = await Promise.all(cluster.nodes.map(async (n) => (await getJson<{ leader_id: string | null }>(`${n.url}/cluster/leader`)).leader_id));
  assert.ok(leaders[0] !== null && leaders.every((l) => l === leaders[0]), `leaders seen: ${leaders.join(',')}`);

  phase('n3 is an Active voter');
  // Every acknowledged point, including those written after the backup and while n3 was down, once.
  const expected = new Set(acked.flatMap((b) => Array.from({ length: BATCH }, (_, i) => b * BATCH + i)));
  await eventually('n3 holds every acknowledged point', async () => {
    const ids = new Set((await statement(n3.url, 'SELECT id FROM m', 'rst')).map((r) => Number(r[2])));
    return [...expected].every((id) => ids.has(id));
  });
  phase('n3 holds every point');
  // Watermarks, catalog and data converge with the other nodes once writes stopped.
  await eventually('manifests agree on watermarks, catalog and data', async () => {
    const manifests = await Promise.all(cluster!.nodes.map((n) => getJson<Manifest>(`${n.url}/internal/sync/manifest?data_digest=1`)));
    const [a] = manifests;
    return manifests.every(
      (m) =>
        m.state === 'active' &&
        m.catalog.digest === a!.catalog.digest &&
        JSON.stringify(m.data_digest) === JSON.stringify(a!.data_digest) &&
        Object.entries(a!.origins).every(([origin, p]) => m.origins[origin]?.watermark === p.watermark) &&
        Object.keys(m.origins).length === Object.keys(a!.origins).length,
    );
  }, 30_000);
  phase('manifests agree');
  for (const node of [n1, n2, n3]) {
    const rows = await statement(node.url, 'SELECT id FROM m', 'rst');
    const ids = rows.map((r) => Number(r[2]));
    assert.equal(new Set(ids).size, ids.length, `${node.id}: a point is duplicated`);
    for (const row of rows) assert.equal(row[1], T0 + (row[2] as number), `${node.id}: point ${String(row[2])} has a wrong time`);
    const held = new Set(ids);
    for (const id of expected) assert.ok(held.has(id), `${node.id}: acknowledged point ${id} is missing`);
    // Every stored batch is whole (a write is one entry, never split by the backup or the sync).
    const perBatch = new Map<number, number>();
    for (const id of ids) perBatch.set(Math.floor(id / BATCH), (perBatch.get(Math.floor(id / BATCH)) ?? 0) + 1);
    for (const [batch, count] of perBatch) assert.equal(count, BATCH, `${node.id}: batch ${batch} is there in part`);
  }
  const catalogOf = async (url: string): Promise<string> =>
    JSON.stringify([
      await statement(url, 'SHOW DATABASES'),
      await statement(url, 'SHOW RETENTION POLICIES ON rst'),
      await statement(url, 'SHOW MEASUREMENTS ON rst'),
      await statement(url, 'SHOW FIELD KEYS ON rst'),
      await statement(url, 'SHOW TAG KEYS ON rst'),
    ]);
  const catalogs = await Promise.all([n1, n2, n3].map((n) => catalogOf(n.url)));
  assert.equal(catalogs[2], catalogs[0], 'n3 has the cluster catalog');
  assert.equal(catalogs[1], catalogs[0]);
  assert.ok(!catalogs[2]!.includes('"gone"'), 'the database dropped while n3 was down is gone from it');
  assert.ok(catalogs[2]!.includes('"later"'), 'the retention policy created while n3 was down is on it');
});
