// Reproduction (found by the chaos harness, seed 7): a node whose catalog is behind answers
// DELETE and DROP DATABASE as successful no-ops without asking Raft, so an acknowledged delete or
// drop that was invoked after the write or CREATE it should undo leaves the data in place.
// Run as root: node --import tsx test/jepsen-lite/chaos/repro/stale-catalog-noop.ts
// Exit 1: reproduced; 0: the cluster refused or applied both statements; 2: could not set up.
import { setTimeout as sleep } from 'node:timers/promises';
import { untilActive } from '../cluster-target.js';
import { installPartition } from '../nemesis/partition.js';
import { runRepro, say } from './run-repro.js';
import { seriesOf } from '../probe.js';

runRepro('stale', async (target) => {
  const n1 = target.clients.get('n1')!;
  const n2 = target.clients.get('n2')!;
  const created = await n2.query('CREATE DATABASE "chaos"', { method: 'POST' });
  if (created.outcome !== 'ok') throw new Error(`CREATE DATABASE chaos: ${created.error}`);
  await sleep(1_000);
  const partition = await installPartition(target.nemesis, { kind: 'isolate', node: 'n1' });
  say(`partition: ${partition.outcome.status} ${partition.outcome.detail}`);
  await sleep(3_000);
  // The majority side creates a measurement (through Raft) and a database; n1 cannot learn of either.
  const write = await n2.write('chaos', 'gone,g=x id=1i 1000000000', 'quorum');
  const db = await n2.query('CREATE DATABASE "doomed"', { method: 'POST' });
  say(`n2: write gone,g=x id=1 → ${write.outcome} ${write.status ?? ''}; CREATE DATABASE doomed → ${db.outcome}`);
  const del = await n1.query(`DELETE FROM "gone" WHERE "g" = 'x'`, { db: 'chaos', method: 'POST' });
  const drop = await n1.query('DROP DATABASE "doomed"', { method: 'POST' });
  say(`n1 (isolated, catalog behind): DELETE → ${del.outcome} ${del.error ?? ''}; DROP DATABASE doomed → ${drop.outcome} ${drop.error ?? ''}`);
  await partition.heal();
  await untilActive(n1, AbortSignal.timeout(60_000));
  await sleep(5_000);
  let reproduced = false;
  for (const [node, client] of target.clients) {
    const points = seriesOf((await client.query('SELECT "id" FROM "gone"', { db: 'chaos' })).json).flatMap((s) => s.values);
    const dbs = seriesOf((await client.query('SHOW DATABASES')).json).flatMap((s) => s.values.map((v) => String(v[0])));
    say(`${node} after heal: ${points.length} points of g=x; databases ${dbs.join(',')}`);
    if ((del.outcome === 'ok' && points.length > 0) || (drop.outcome === 'ok' && dbs.includes('doomed'))) reproduced = true;
  }
  say(reproduced
    ? 'REPRODUCED: an acknowledged DELETE / DROP DATABASE, invoked after the write / CREATE was acknowledged, did not remove it'
    : 'not reproduced: the stale node refused, or its statements took effect');
  return reproduced;
});
