// The engine as a library: real LevelDB WAL and catalog, real chDB, no HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { DatabaseNotFoundError, PartialWriteError, FieldTypeConflictError, BadRequestError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-engine-'));
let engine: Engine;
// Warnings are kept so tests can assert that background work (tag value loads) did not fail.
const warnings: string[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });

before(async () => {
  engine = await openEngine({ ...defaultEngineOptions(dir), flush: { ...defaultEngineOptions(dir).flush, intervalMs: 60_000, maxPointsPerInsert: 1000, maxBytesPerRound: 1 << 20 } }, { log, registry: new Registry() });
  await engine.query('CREATE DATABASE db', { db: '' });
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function values(results: Awaited<ReturnType<Engine['query']>>): unknown[][] {
  return (results[0]?.series?.[0]?.values ?? []) as unknown[][];
}

test('an acknowledged write is visible to the next query without waiting for the flush interval', async () => {
  await engine.write({ db: 'db', body: Buffer.from('ryw,host=a v=1 1000\nryw,host=b v=2 2000') });
  const rows = values(await engine.query('SELECT v FROM ryw', { db: 'db' }));
  assert.deepEqual(rows.map((r) => r[1]), [1, 2]);
});

test('duplicate points resolve as InfluxDB does: last write wins per field', async () => {
  await engine.write({ db: 'db', body: Buffer.from('dup,host=a v=1,w=10 5000') });
  await engine.flush();
  await engine.write({ db: 'db', body: Buffer.from('dup,host=a v=2 5000\ndup,host=a v=3 5000') });
  const results = await engine.query('SELECT v, w FROM dup', { db: 'db' });
  assert.deepEqual(values(results), [[5000n, 3, 10]]);
});

test('writes to a missing database are refused with 404 wording', async () => {
  await assert.rejects(engine.write({ db: 'nope', body: Buffer.from('m v=1') }), (e: unknown) => e instanceof DatabaseNotFoundError && e.message === 'database not found: "nope"');
});

test('a field type conflict drops only the conflicting points', async () => {
  await engine.write({ db: 'db', body: Buffer.from('conf v=1 1') });
  await assert.rejects(
    engine.write({ db: 'db', body: Buffer.from('conf v=2i 2\nconf v=3 3') }),
    (e: unknown) =>
      e instanceof PartialWriteError &&
      e.message === 'partial write: field type conflict: input field "v" on measurement "conf" is type integer, already exists as type float dropped=1',
  );
  assert.deepEqual(values(await engine.query('SELECT v FROM conf', { db: 'db' })).map((r) => r[1]), [1, 3]);
  // A database that holds data already: a conflict inside one batch is a partial write (1.6.7).
  await assert.rejects(
    engine.write({ db: 'db', body: Buffer.from('conf2 a=1 1\nconf2 a=1i 2') }),
    (e: unknown) => e instanceof PartialWriteError && e.message.endsWith('is type integer, already exists as type float dropped=1'),
  );
  // The first batch of an empty database (a new shard in 1.6.7) is refused whole.
  await engine.query('CREATE DATABASE fresh', { db: '' });
  await assert.rejects(engine.write({ db: 'fresh', body: Buffer.from('ok v=1 1\nconf3 a=1 1\nconf3 a=1i 2') }), FieldTypeConflictError);
  assert.deepEqual(await engine.query('SHOW MEASUREMENTS', { db: 'fresh' }), [{ statement_id: 0 }]);
});

test('bad lines are reported while the good lines are stored', async () => {
  await assert.rejects(
    engine.write({ db: 'db', body: Buffer.from('part v=1 1\nbad line\npart v=2 2') }),
    (e: unknown) => e instanceof PartialWriteError && e.message === "partial write: unable to parse 'bad line': invalid field format dropped=0",
  );
  assert.equal(values(await engine.query('SELECT v FROM part', { db: 'db' })).length, 2);
  await assert.rejects(engine.write({ db: 'db', body: Buffer.from('only bad') }), (e: unknown) => e instanceof BadRequestError && !(e instanceof PartialWriteError));
});

test('flush splits a large backlog into bounded inserts and keeps every point', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) lines.push(`bulk,host=h${i % 7} v=${i} ${i}`);
  for (let i = 0; i < 5; i++) await engine.write({ db: 'db', body: Buffer.from(lines.slice(i * 1000, (i + 1) * 1000).join('\n')) });
  const rows = values(await engine.query('SELECT count(v) FROM bulk', { db: 'db' }));
  assert.equal(Number(rows[0]?.[1]), 5000);
});

test('overwrites racing with reads never show a point twice, and appends keep reads exact', async () => {
  const lines = (v: number): string => Array.from({ length: 500 }, (_, i) => `race,host=h${i % 5} v=${v} ${1000 + i}`).join('\n');
  await engine.write({ db: 'db', body: Buffer.from(lines(0)) });
  await engine.flush();
  for (let round = 1; round <= 8; round++) {
    const [answer] = await Promise.all([
      engine.query('SELECT count(v), sum(v) FROM race', { db: 'db' }),
      engine.write({ db: 'db', body: Buffer.from(lines(round)) }).then(() => engine.flush()),
    ]);
    const [, count, sum] = values(answer)[0] ?? [];
    assert.equal(Number(count), 500, `round ${round}: count ${String(count)}`);
    assert.ok(Number(sum) === 500 * round || Number(sum) === 500 * (round - 1), `round ${round}: sum ${String(sum)}`);
  }
  // Appending newer points to a table: every read stays exact.
  await engine.write({ db: 'db', body: Buffer.from('grow v=1 1') });
  for (let t = 2; t <= 6; t++) {
    await engine.write({ db: 'db', body: Buffer.from(`grow v=${t} ${t}`) });
    assert.deepEqual(values(await engine.query('SELECT count(v) FROM grow', { db: 'db' }))[0]?.[1], BigInt(t));
  }
});

test('names far longer than ClickHouse allows are stored and never break other tables', async () => {
  const longName = 'n'.repeat(300) + '\u00e9';
  await engine.query(`CREATE DATABASE "${longName}"`, { db: '' });
  await engine.write({ db: longName, body: Buffer.from(`${'m'.repeat(300)},${'t'.repeat(300)}=v ${'f'.repeat(300)}=1 1`) });
  await engine.write({ db: 'db', body: Buffer.from(`${'x'.repeat(300)} v=2 2\nafterlong v=3 3`) });
  assert.deepEqual(values(await engine.query('SELECT v FROM afterlong', { db: 'db' })), [[3n, 3]]);
  assert.deepEqual(values(await engine.query(`SELECT v FROM ${'x'.repeat(300)}`, { db: 'db' })), [[2n, 2]]);
  const inLong = await engine.query(`SELECT * FROM ${'m'.repeat(300)}`, { db: longName });
  assert.deepEqual(values(inLong), [[1n, 1, 'v']]);
  await engine.query(`DROP DATABASE "${longName}"`, { db: '' });
  assert.deepEqual(values(await engine.query('SELECT v FROM afterlong', { db: 'db' })), [[3n, 3]]);
});

test('SHOW TAG VALUES answers from memory once loaded: new values at once, deleted ones gone', async () => {
  const show = async (): Promise<unknown[][]> => values(await engine.query('SHOW TAG VALUES FROM tv WITH KEY = "host"', { db: 'db' }));
  await engine.write({ db: 'db', body: Buffer.from('tv,host=a v=1 1\ntv,host=b v=1 2') });
  assert.deepEqual(await show(), [['host', 'a'], ['host', 'b']]); // scan; starts the load
  await new Promise((resolve) => setTimeout(resolve, 300));
  await engine.write({ db: 'db', body: Buffer.from('tv,host=c v=1 3') });
  assert.deepEqual(await show(), [['host', 'a'], ['host', 'b'], ['host', 'c']]);
  await engine.write({ db: 'db', body: Buffer.from('tv,host=d v=1 100') });
  assert.deepEqual(await show(), [['host', 'a'], ['host', 'b'], ['host', 'c'], ['host', 'd']]);
  await engine.query("DROP SERIES FROM tv WHERE host = 'a'", { db: 'db' });
  assert.deepEqual(await show(), [['host', 'b'], ['host', 'c'], ['host', 'd']]);
  assert.deepEqual(await show(), [['host', 'b'], ['host', 'c'], ['host', 'd']]);
  // A load that fails falls back to scans with the same answers; only its warning tells.
  assert.deepEqual(warnings.filter((w) => w.includes('loading tag values failed')), []);
});
