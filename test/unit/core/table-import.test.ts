// A full copy merges a peer's snapshot into this node's tables (DataCopyPort.importPage): dropping
// them first lost this node's own writes the snapshot lacked (found by the chaos harness, seed 7).
// Rows imported were current at the snapshot's catalog index: later deletes run on them again, and
// a measurement created anew since takes none of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-table-import-'));
let engine: Engine;

before(async () => {
  const defaults = defaultEngineOptions(dir);
  engine = await openEngine({ ...defaults, flush: { ...defaults.flush, intervalMs: 60_000 } }, { log: pino({ level: 'silent' }), registry: new Registry() });
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function write(db: string, body: string): Promise<void> {
  await engine.write({ db, body: Buffer.from(body) });
  await engine.flush();
}

/** The `id` values a measurement holds, sorted. */
async function ids(db: string, measurement: string): Promise<number[]> {
  const [result] = await engine.query(`SELECT id FROM ${measurement}`, { db });
  const values = (result as { series?: ReadonlyArray<{ values: ReadonlyArray<readonly unknown[]> }> }).series?.[0]?.values ?? [];
  return values.map((row) => Number(row[1])).sort((a, b) => a - b);
}

/** A snapshot of one table as a peer serves it: its rows and the catalog index they were current at. */
async function snapshot(db: string, measurement: string): Promise<{ columns: string[]; page: Buffer; validAt: number }> {
  await engine.flush();
  const table = { db, rp: 'autogen', measurement };
  const columns = await engine.dataCopy.columns(table);
  const page = await engine.dataCopy.exportPage(table, columns, 0, 1_000);
  assert.ok(page !== null);
  return { columns, page, validAt: engine.catalog.index };
}

test('an imported page merges with the rows the table holds: nothing held here is lost', async () => {
  await engine.query('CREATE DATABASE merge', { db: '' });
  await write('merge', 'copy,c=1 id=1i 1000\ncopy,c=1 id=2i 2000');
  const taken = await snapshot('merge', 'copy');
  await write('merge', 'copy,c=2 id=3i 3000');
  const table = { db: 'merge', rp: 'autogen', measurement: 'copy' };
  assert.equal(await engine.dataCopy.importPage(table, taken.columns, taken.page, taken.validAt), true);
  assert.deepEqual(await ids('merge', 'copy'), [1, 2, 3]);
  assert.equal((await engine.dataCopy.digest(table)).rows, 3);
});

test('a delete applied after the snapshot runs again on the imported rows', async () => {
  await engine.query('CREATE DATABASE deleted', { db: '' });
  await write('deleted', 'del,g=a id=1i 1000\ndel,g=b id=2i 2000');
  const taken = await snapshot('deleted', 'del');
  await engine.query(`DELETE FROM del WHERE g = 'a'`, { db: 'deleted' });
  assert.deepEqual(await ids('deleted', 'del'), [2]);
  await engine.dataCopy.importPage({ db: 'deleted', rp: 'autogen', measurement: 'del' }, taken.columns, taken.page, taken.validAt);
  assert.deepEqual(await ids('deleted', 'del'), [2]);
});

test('a measurement created anew after the snapshot takes none of the rows of the one before', async () => {
  await engine.query('CREATE DATABASE recreated', { db: '' });
  await write('recreated', 'again id=1i 1000');
  const taken = await snapshot('recreated', 'again');
  await engine.query('DROP MEASUREMENT again', { db: 'recreated' });
  await write('recreated', 'again id=2i 2000');
  assert.equal(await engine.dataCopy.importPage({ db: 'recreated', rp: 'autogen', measurement: 'again' }, taken.columns, taken.page, taken.validAt), false);
  assert.deepEqual(await ids('recreated', 'again'), [2]);
});
