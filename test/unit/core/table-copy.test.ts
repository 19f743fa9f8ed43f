// A full copy of a table in the versioned layout (Native pages of merged rows) carries each
// field's version: the copy digests as the source does (its columns in another order: the copy's
// table is made from the catalog, the source's by its flushes), answers the same, and a write
// with an older version arriving afterwards loses on the copy as it would on the source.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine } from '../../../src/core/index.js';
import type { Point } from '../../../src/core/model/point.js';
import type { WalEntry } from '../../../src/core/wal/wal-port.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MS = 1n << 20n;
const TABLE = { db: 'db', rp: 'autogen', measurement: 'm' };

function entry(origin: string, version: bigint, catalogIndex: number, value: number): WalEntry {
  const point: Point = { measurement: 'm', tags: ['host', 'a'], fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [value], timeNs: 5000n };
  return { db: 'db', rp: 'autogen', points: [point], origin, originSeq: 1, version, catalogIndex };
}

async function open(name: string): Promise<Engine> {
  const engine = await openEngine(defaultEngineOptions(join(dir, name)), { log: pino({ level: 'silent' }), registry: new Registry() });
  await engine.query('CREATE DATABASE db', { db: '' });
  // The same schema on both (a cluster shares it through Raft), and some rows of several series.
  await engine.write({ db: 'db', body: Buffer.from(Array.from({ length: 50 }, (_, i) => `m,host=h${i % 5} v=${i},s="${i}" ${1000 + i}`).join('\n')) });
  return engine;
}

const READ = 'SELECT v, s FROM m WHERE time >= 1000 GROUP BY host';

/** Applies a late write of an older version of the point at time 5000, and answers what is stored there. */
async function lateOlderWrite(engine: Engine): Promise<unknown> {
  await engine.appendReplicated(entry('n8~01', 100n * MS, engine.catalog.index, 1));
  await engine.flush();
  return (await engine.query("SELECT v FROM m WHERE host = 'a'", { db: 'db' }))[0]?.series?.[0]?.values;
}

// chdb holds one data directory per process: the source is read whole, closed, then the copy made.
test('a copied table digests and answers as its source, versions included', { timeout: 180_000 }, async () => {
  const source = await open('source');
  const pages: Buffer[] = [];
  let columns: string[];
  let digest: unknown;
  let answer: unknown;
  let later: unknown;
  let validAt: number;
  try {
    // The source holds the value of a high version at time 5000.
    await source.appendReplicated(entry('n9~01', 300n * MS, source.catalog.index, 7));
    await source.flush();
    validAt = source.catalog.index;
    columns = await source.dataCopy.columns(TABLE);
    assert.ok(columns.includes('v_v') && columns.includes('_series') && !columns.includes('_ns'), columns.join());
    for (let page = 0; ; page++) {
      const bytes = await source.dataCopy.exportPage(TABLE, columns, page, 20);
      if (bytes === null) break;
      pages.push(bytes);
    }
    assert.equal(pages.length, 3);
    digest = await source.dataCopy.digest(TABLE);
    assert.equal((digest as { rows: number }).rows, 51);
    answer = await source.query(READ, { db: 'db' });
    // An older write of the same point arriving late loses.
    later = await lateOlderWrite(source);
    assert.deepEqual(later, [[5000n, 7]]);
  } finally {
    await source.close();
  }

  // A node filled by the copy: its catalog came through Raft, it holds no rows of its own.
  const copy = await openEngine(defaultEngineOptions(join(dir, 'copy')), { log: pino({ level: 'silent' }), registry: new Registry() });
  try {
    await copy.catalogApplier.apply([
      { kind: 'create-database', name: 'db' },
      { kind: 'extend-measurement', db: 'db', rp: 'autogen', measurement: 'm', tagKeys: ['host'], fields: [['v', 'float'], ['s', 'string']] },
    ], 'next');
    for (const page of pages) assert.equal(await copy.dataCopy.importPage(TABLE, columns, page, validAt), true);
    assert.notDeepEqual(await copy.dataCopy.columns(TABLE), columns);
    assert.deepEqual(await copy.dataCopy.digest(TABLE), digest);
    assert.deepEqual(await copy.query(READ, { db: 'db' }), answer);
    assert.deepEqual(await lateOlderWrite(copy), later);
  } finally {
    await copy.close();
  }
});
