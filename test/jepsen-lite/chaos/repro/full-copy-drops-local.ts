// Reproduction (found by the chaos harness, seed 7): a full copy (sync order `full`) drops every
// local table and imports the source's snapshot, but keeps this node's WAL watermarks; points this
// node held that the snapshot lacked (its own writes acknowledged meanwhile, or entries it already
// had of other origins) are gone from its store while its manifest says it holds them, so
// anti-entropy never brings them back. Here n2 is isolated while clients write to n1 and n3 (at
// quorum, so n2 misses those writes); right after the heal, before replication caught n2 up, n1 gets
// the order to copy n2 (sent by hand, signed, as the leader's monitor does after a partition).
// Run as root: node --import tsx test/jepsen-lite/chaos/repro/full-copy-drops-local.ts
// Exit 1: reproduced; 0: n1 holds every acknowledged point; 2: could not set up.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signingKey, signRequest } from '../../../../src/cluster/peer-auth.js';
import type { NodeClient } from '../http-client.js';
import { installPartition } from '../nemesis/partition.js';
import { runRepro, say } from './run-repro.js';

async function writer(client: NodeClient, first: number, acked: number[], signal: AbortSignal): Promise<void> {
  for (let id = first; !signal.aborted; id++) {
    const answer = await client.write('chaos', `copy,w=${client.node} id=${id}i ${1_000_000_000 + id}`, 'quorum');
    if (answer.outcome === 'ok') acked.push(id);
    await sleep(25);
  }
}

const secret = `repro-${randomBytes(8).toString('hex')}`;
runRepro('copy', async (target) => {
  const [n1, n2, n3] = ['n1', 'n2', 'n3'].map((n) => target.clients.get(n)!) as [NodeClient, NodeClient, NodeClient];
  const created = await n2.query('CREATE DATABASE "chaos"', { method: 'POST' });
  if (created.outcome !== 'ok') throw new Error(`CREATE DATABASE chaos: ${created.error}`);
  const acked: number[] = [];
  const stop = new AbortController();
  const writers = Promise.all([writer(n1, 1, acked, stop.signal), writer(n3, 1_000_000, acked, stop.signal)]);
  await sleep(2_000);
  const partition = await installPartition(target.nemesis, { kind: 'isolate', node: 'n2' });
  say(`partition: ${partition.outcome.status} ${partition.outcome.detail}`);
  await sleep(8_000);
  say(`heal: ${(await partition.heal()).detail}`);
  const term = ((await n1.getJson('/cluster/leader')).json as { term: number }).term;
  const body = JSON.stringify({ term, full: { source: 'n2' } });
  const path = '/internal/sync/trigger';
  const headers = { ...signRequest(signingKey(secret), { method: 'POST', pathWithQuery: path, node: 'repro', nowMs: Date.now(), body: Buffer.from(body) }), 'content-type': 'application/json' };
  const trigger = await n1.post(path, body, headers);
  say(`full copy of n2 ordered on n1 (term ${term}): HTTP ${trigger.status} ${trigger.text?.slice(0, 120) ?? trigger.error}`);
  await sleep(5_000);
  stop.abort();
  await writers;
  // Longer than a few anti-entropy rounds (3 s each here).
  await sleep(15_000);
  const idsOn = async (client: NodeClient): Promise<Set<number>> => {
    const answer = await client.query('SELECT "id" FROM "copy"', { db: 'chaos' });
    const series = (answer.json as { results: Array<{ series?: Array<{ values: unknown[][] }> }> }).results[0]?.series ?? [];
    return new Set(series.flatMap((s) => s.values.map((v) => Number(v[1]))));
  };
  let reproduced = false;
  for (const client of [n1, n2, n3]) {
    const present = await idsOn(client);
    const lost = acked.filter((id) => !present.has(id));
    const manifest = (await client.getJson('/internal/sync/manifest')).json as { origins: Record<string, { watermark: number }> };
    say(`${client.node}: ${acked.length} acknowledged, ${lost.length} missing (${lost.slice(0, 8).join(',')}); watermarks ${JSON.stringify(Object.fromEntries(Object.entries(manifest.origins).map(([o, p]) => [o, p.watermark])))}`);
    if (lost.length > 0) reproduced = true;
  }
  say(target.logTail('n1', 400).split('\n').filter((l) => /sync|copy|replication/.test(l)).slice(-12).join('\n'));
  say(reproduced ? 'REPRODUCED: acknowledged points are missing on a node whose watermarks say it holds them' : 'not reproduced this time (the copy raced no write)');
  return reproduced;
}, { secret });
