// Issue 15, finding 1: a measurement gaining ~3,000 fields before a flush made the flush build one
// ALTER over ClickHouse's query limits, which then failed forever. Here a real server takes 3,000
// new fields in one write and 4,000 more in 40 writes of 100; queries of those measurements and
// of another database answer, and so does the server restarted after a SIGKILL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';

type Answer = { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }>; error?: string }>; error?: string };

async function query(server: HyperbytedbHandle, db: string, q: string): Promise<Answer> {
  const res = await request(`${server.url}/query?db=${db}&q=${encodeURIComponent(q)}`, { method: 'POST', headersTimeout: 180_000, bodyTimeout: 180_000 });
  const body = (await res.body.json()) as Answer;
  assert.equal(res.statusCode, 200, JSON.stringify(body).slice(0, 500));
  return body;
}

async function write(server: HyperbytedbHandle, db: string, body: string): Promise<void> {
  const res = await request(`${server.url}/write?db=${db}`, { method: 'POST', body });
  assert.equal(res.statusCode, 204, await res.body.text());
  await res.body.dump().catch(() => undefined);
}

/** The answers that show every write is stored and readable. */
async function checkAll(server: HyperbytedbHandle): Promise<void> {
  const one = await query(server, 'wide', 'SELECT count(f2999), sum(f0) FROM w');
  assert.deepEqual(one.results[0]?.series?.[0]?.values[0]?.slice(1), [1, 1], JSON.stringify(one).slice(0, 500));
  const all = await query(server, 'wide', 'SELECT * FROM w');
  assert.equal(all.results[0]?.series?.[0]?.columns.length, 1 + 3000);
  const grown = await query(server, 'wide', 'SELECT count(g0), count(g3999), sum(g1234) FROM grown');
  assert.deepEqual(grown.results[0]?.series?.[0]?.values[0]?.slice(1), [1, 1, 1234]);
  const keys = await query(server, 'wide', 'SHOW FIELD KEYS FROM w');
  assert.equal(keys.results[0]?.series?.[0]?.values.length, 3000);
  assert.deepEqual(keys.results[0]?.series?.[0]?.values[0], ['f0', 'float']);
  const other = await query(server, 'other', 'SELECT sum(v) FROM m');
  assert.deepEqual(other.results[0]?.series?.[0]?.values[0]?.slice(1), [6]);
}

test('thousands of new fields before a flush are stored, in one write or in many, and survive a restart', { timeout: 600_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hb-wide-'));
  // The flush runs on its own timer, as in production; queries flush what is still pending.
  const env = { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '2' };
  let server = await startHyperbytedb({ dataDir, env });
  try {
    for (const db of ['wide', 'other']) await query(server, '', `CREATE DATABASE ${db}`);
    await write(server, 'other', 'm v=1 1\nm v=2 2');
    // The finding's write, exactly: `w f0=1,…,f2999=1`, stamped with the server's time.
    await write(server, 'wide', execFileSync('python3', ['-c', "print('w '+','.join(f'f{i}=1' for i in range(3000)))"], { encoding: 'utf8' }));
    for (let k = 0; k < 40; k++) {
      const fields = Array.from({ length: 100 }, (_, i) => `g${k * 100 + i}=${k * 100 + i}`).join(',');
      await write(server, 'wide', `grown ${fields} ${1 + k}`);
    }
    await write(server, 'other', 'm v=3 3');
    await checkAll(server);

    await server.kill('SIGKILL');
    server = await startHyperbytedb({ dataDir, env });
    await checkAll(server);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
