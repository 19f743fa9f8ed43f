// /debug/vars and the monitor statements (SHOW STATS, SHOW DIAGNOSTICS, SHOW QUERIES, KILL QUERY)
// in InfluxDB 1.x's shapes, over a real engine through fastify.inject.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import { buildServer } from '../../../src/http/server.js';
import { statisticKey } from '../../../src/http/routes/debug-vars.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-http-monitor-'));
let engine: Engine;
let app: FastifyInstance;

before(async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const log = pino({ level: 'silent' });
  engine = await openEngine(defaultEngineOptions(dir), { log, registry });
  app = buildServer({ maxBodyBytes: 1 << 20, defaultChunkSize: 10_000, metricsEnabled: true, requestTimeoutMs: 30_000 }, { engine, registry, log });
  await app.ready();
  await app.inject({ method: 'POST', url: '/query?q=' + encodeURIComponent('CREATE DATABASE db') });
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'cpu,host=a v=1 1\ncpu,host=b v=2 2\nmem,host=a v=3 3' });
  await app.inject({ method: 'POST', url: '/write?db=db', payload: 'cpu v=1i 4\ncpu v=5 5' });
});

after(async () => {
  await app.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { results: Array<{ series?: Array<{ name?: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>; error?: string }> };
const query = async (text: string): Promise<Answer> => (await app.inject({ method: 'GET', url: `/query?db=db&q=${encodeURIComponent(text)}` })).json() as Answer;

test('SHOW STATS lists 1.x modules with our figures; FOR narrows to one module', async () => {
  const all = (await query('SHOW STATS')).results[0]!.series!;
  assert.deepEqual([...new Set(all.map((s) => s.name))], ['runtime', 'queryExecutor', 'database', 'write', 'httpd']);
  const database = all.find((s) => s.name === 'database')!;
  assert.deepEqual(database.tags, { database: 'db' });
  assert.deepEqual(database.columns, ['numMeasurements', 'numSeries']);
  assert.deepEqual(database.values, [[2, 4]]);
  const httpd = (await query("SHOW STATS FOR 'httpd'")).results[0]!.series!;
  assert.equal(httpd.length, 1);
  const row = Object.fromEntries(httpd[0]!.columns.map((c, i) => [c, httpd[0]!.values[0]![i]]));
  assert.ok((row['writeReq'] as number) >= 2 && (row['queryReq'] as number) >= 1, JSON.stringify(row));
  assert.equal(row['pointsWrittenDropped'], 1);
  assert.deepEqual(await query("SHOW STATS FOR 'nope'"), { results: [{ statement_id: 0 }] });
});

test('SHOW DIAGNOSTICS has build, network, runtime and system; SHOW QUERIES shows itself; KILL QUERY of no query fails', async () => {
  const diagnostics = (await query('SHOW DIAGNOSTICS')).results[0]!.series!;
  assert.deepEqual(diagnostics.map((d) => d.name), ['build', 'network', 'runtime', 'system']);
  assert.deepEqual((await query("SHOW DIAGNOSTICS FOR 'build'")).results[0]!.series![0]!.values, [['', '', '', '1.6.7']]);
  const queries = (await query('SHOW QUERIES')).results[0]!.series![0]!;
  assert.deepEqual(queries.columns, ['qid', 'query', 'database', 'duration', 'status']);
  assert.equal(queries.values.length, 1);
  assert.deepEqual(queries.values[0]!.slice(1, 3), ['SHOW QUERIES', 'db']);
  assert.equal((await query('KILL QUERY 123456')).results[0]!.error, 'no such query id: 123456');
});

test('/debug/vars is 1.x\'s expvar document: system, cmdline, memstats, then statistics by key', async () => {
  const res = await app.inject({ method: 'GET', url: '/debug/vars' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.match(res.body, /^\{\n"system": \{"currentTime":"[^"]+","started":"[^"]+","uptime":\d+\},\n"cmdline": \[/);
  const vars = res.json() as Record<string, { name?: string; tags?: Record<string, string> | null; values?: Record<string, number> }>;
  const keys = Object.keys(vars);
  assert.deepEqual(keys.slice(0, 5), ['system', 'cmdline', 'memstats', 'runtime', 'queryExecutor']);
  assert.ok(keys.includes('database:db'));
  assert.ok(keys.some((k) => /^httpd:127\.0\.0\.1:\d+$|^httpd:$/.test(k)), keys.join());
  assert.equal(vars['queryExecutor']?.tags, null);
  assert.equal(typeof vars['memstats']?.['HeapAlloc' as keyof (typeof vars)['memstats']], 'number');
  assert.equal(statisticKey({ name: 'shard', tags: { path: '/d/1', id: '1' }, values: {} }), 'shard:/d/1:1');
  assert.equal(statisticKey({ name: 'udp', tags: { proto: 'udp', bind: ':8089' }, values: {} }), 'udp:udp::8089');
  assert.equal(statisticKey({ name: 'sub', tags: { database: 'd', retention_policy: 'r', name: 'n' }, values: {} }), 'sub:d:r:n');
});
