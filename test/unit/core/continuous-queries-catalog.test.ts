// Continuous queries in the catalog: 1.6.7's create/drop rules, runs recorded only forward, kept
// across a store round trip and dropped with their database.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { CatalogStore, decodeCatalog, encodeCatalog } from '../../../src/core/meta/catalog-store.js';
import { isSchemaOnly } from '../../../src/core/meta/commands.js';
import { DatabaseNotFoundError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'hb-cq-catalog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const text = 'CREATE CONTINUOUS QUERY c ON db BEGIN SELECT mean(v) INTO db.autogen.m FROM db.autogen.cpu GROUP BY time(1m) END';
const base = Catalog.empty().apply({ kind: 'create-database', name: 'db' }).apply({ kind: 'create-continuous-query', db: 'db', name: 'c', query: text });
const cqs = (c: Catalog) => c.database('db')?.continuousQueries ?? [];

test('create: same text (any case) is a no-op, other text under the name is refused, a missing database throws', () => {
  assert.deepEqual(cqs(base), [{ name: 'c', query: text, lastRunNs: null }]);
  assert.equal(base.apply({ kind: 'create-continuous-query', db: 'db', name: 'c', query: text.toLowerCase() }).databases, base.databases);
  assert.throws(() => base.apply({ kind: 'create-continuous-query', db: 'db', name: 'c', query: text.replace('mean', 'max') }), /continuous query already exists/);
  assert.throws(() => base.apply({ kind: 'create-continuous-query', db: 'nope', name: 'c', query: text }), DatabaseNotFoundError);
  assert.ok(isSchemaOnly({ kind: 'continuous-query-ran', db: 'db', name: 'c', query: text, lastRunNs: 1n }), 'runs touch no stored data');
});

test('runs are recorded forward only, and only for the query that ran', () => {
  let c = base.apply({ kind: 'continuous-query-ran', db: 'db', name: 'c', query: text, lastRunNs: 120n });
  assert.equal(cqs(c)[0]!.lastRunNs, 120n);
  c = c.apply({ kind: 'continuous-query-ran', db: 'db', name: 'c', query: text, lastRunNs: 60n });
  assert.equal(cqs(c)[0]!.lastRunNs, 120n, 'a late record of an earlier run never moves it back');
  c = c.apply({ kind: 'continuous-query-ran', db: 'db', name: 'c', query: 'another query', lastRunNs: 999n });
  assert.equal(cqs(c)[0]!.lastRunNs, 120n);
  assert.equal(c.apply({ kind: 'continuous-query-ran', db: 'gone', name: 'c', query: text, lastRunNs: 1n }).databases, c.databases);
});

test('drop removes the query (missing ones are no error); dropping the database drops its queries', () => {
  assert.deepEqual(cqs(base.apply({ kind: 'drop-continuous-query', db: 'db', name: 'c' })), []);
  assert.equal(base.apply({ kind: 'drop-continuous-query', db: 'db', name: 'x' }).databases, base.databases);
  const recreated = base.apply({ kind: 'drop-database', name: 'db' }).apply({ kind: 'create-database', name: 'db' });
  assert.deepEqual(cqs(recreated), []);
});

test('queries and their last run survive encoding and the store', async () => {
  const c = base.apply({ kind: 'continuous-query-ran', db: 'db', name: 'c', query: text, lastRunNs: 1_700_000_000_000_000_000n });
  assert.deepEqual(cqs(decodeCatalog(encodeCatalog(c))), cqs(c));
  const store = new CatalogStore(join(dir, 'meta'));
  await store.open();
  await store.persist(c);
  await store.close();
  const reopened = new CatalogStore(join(dir, 'meta'));
  await reopened.open();
  assert.deepEqual(cqs(reopened.catalog), cqs(c));
  await reopened.close();
});
