// Hardening, finding 2: concurrent writes giving a new field different types. Exactly one type wins
// per field, every write that got a 204 is readable with its value, the losers get InfluxDB's
// field-type-conflict error, the flush never fails on it, and a SIGKILL and restart change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';

const MEASUREMENTS = 20;
const WRITES_PER_MEASUREMENT = 10;

interface Outcome {
  readonly measurement: string;
  /** Seconds (written with precision=s, read with epoch=s: exact in JSON numbers). */
  readonly timeNs: bigint;
  readonly type: 'integer' | 'string';
  readonly value: string;
  readonly status: number;
  readonly body: string;
}

async function post(url: string, path: string, body: string): Promise<{ status: number; body: string }> {
  const res = await request(`${url}${path}`, { method: 'POST', body });
  return { status: res.statusCode, body: await res.body.text() };
}

async function select(url: string, measurement: string): Promise<Array<[string, unknown]>> {
  const res = await request(`${url}/query?db=races&epoch=s&q=${encodeURIComponent(`SELECT v FROM "${measurement}"`)}`);
  const json = (await res.body.json()) as { results: Array<{ series?: Array<{ values: Array<[number | string, unknown]> }>; error?: string }> };
  assert.equal(json.results[0]?.error, undefined, `SELECT on ${measurement} failed`);
  return (json.results[0]?.series?.[0]?.values ?? []).map(([t, v]) => [String(t), v]);
}

async function checkStored(url: string, outcomes: readonly Outcome[]): Promise<void> {
  for (let m = 0; m < MEASUREMENTS; m++) {
    const name = `r${m}`;
    const mine = outcomes.filter((o) => o.measurement === name);
    const acked = mine.filter((o) => o.status === 204);
    assert.ok(acked.length > 0, `${name}: some write won`);
    const types = new Set(acked.map((o) => o.type));
    assert.equal(types.size, 1, `${name}: writes of both types were acknowledged: ${JSON.stringify(acked.map((o) => o.type))}`);
    for (const lost of mine.filter((o) => o.status !== 204)) {
      assert.equal(lost.status, 400, `${name}: a losing write gets a 400, got ${lost.status} ${lost.body}`);
      assert.match(lost.body, /field type conflict/);
    }
    const stored = await select(url, name);
    assert.equal(stored.length, acked.length, `${name}: every acknowledged point and no other is stored`);
    const byTime = new Map(stored);
    for (const o of acked) {
      const expected = o.type === 'integer' ? Number(o.value) : o.value;
      assert.equal(byTime.get(String(o.timeNs)), expected, `${name} at ${o.timeNs}: stored as written`);
    }
  }
}

test('concurrent writes giving a new field two types: one type wins, nothing acknowledged is lost or converted', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hb-races-'));
  // Everything stays in the WAL until a query flushes it: the conflicting writes meet in the flush.
  const env = { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '3600' };
  let server: HyperbytedbHandle = await startHyperbytedb({ dataDir, env });
  try {
    assert.equal((await post(server.url, `/query?q=${encodeURIComponent('CREATE DATABASE races')}`, '')).status, 200);
    const writes: Array<Promise<Outcome>> = [];
    for (let i = 0; i < WRITES_PER_MEASUREMENT; i++) {
      for (let m = 0; m < MEASUREMENTS; m++) {
        const measurement = `r${m}`;
        const timeNs = 1_700_000_000n + BigInt(i);
        const type = (i + m) % 2 === 0 ? 'integer' : 'string';
        const value = type === 'integer' ? String(i * 10 + m) : `s${i}`;
        const line = `${measurement} v=${type === 'integer' ? `${value}i` : `"${value}"`} ${timeNs}`;
        writes.push(post(server.url, '/write?db=races&precision=s', line).then((r) => ({ measurement, timeNs, type, value, ...r })));
      }
    }
    const outcomes = await Promise.all(writes);
    await checkStored(server.url, outcomes);
    const health = (await (await request(`${server.url}/health`)).body.json()) as { status: string; checks: unknown[] };
    assert.equal(health.status, 'pass', JSON.stringify(health.checks));

    await server.kill('SIGKILL');
    server = await startHyperbytedb({ dataDir, env });
    await checkStored(server.url, outcomes);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
