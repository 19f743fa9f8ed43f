// Statements that decide from the catalog (does the database exist, which measurements does a
// DELETE name) first bring it up to date through the port's barrier: a cluster node whose catalog
// was behind acknowledged DELETE and DROP DATABASE as no-ops (found by the chaos harness, seed 7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/core/meta/catalog.js';
import type { CatalogCommand } from '../../../src/core/meta/commands.js';
import type { MetaCommand, QueryPort } from '../../../src/core/query/execute/query-port.js';
import { executeQuery } from '../../../src/core/query/execute/executor.js';

const extend: CatalogCommand = { kind: 'extend-measurement', db: 'chaos', rp: 'autogen', measurement: 'gone', tagKeys: ['g'], fields: [['id', 'integer']] };

/** A node whose catalog lags `committed` until the barrier runs; records what it proposes. */
function staleNode(local: Catalog, committed: Catalog, barrier = true): { port: QueryPort; proposed: MetaCommand[]; barriers: () => number } {
  let schema = local;
  let barriers = 0;
  const proposed: MetaCommand[] = [];
  const unused = (): never => {
    throw new Error('not used by these statements');
  };
  const port: QueryPort = {
    get schema() {
      return schema;
    },
    runSql: unused,
    ensureFlushed: unused,
    readScope: unused,
    writePoints: unused,
    applyMetaCommand: async (command) => {
      proposed.push(command);
    },
    nowNs: () => 1_000_000_000_000n,
    ...(barrier
      ? {
          catalogBarrier: async () => {
            barriers++;
            schema = committed;
          },
        }
      : {}),
  };
  return { port, proposed, barriers: () => barriers };
}

const base = Catalog.empty().apply({ kind: 'create-database', name: 'chaos' });
const committed = base.apply(extend).apply({ kind: 'create-database', name: 'doomed' });

test('DROP DATABASE of a database this node has not learned yet is proposed after the barrier', async () => {
  const node = staleNode(base, committed);
  const [result] = await executeQuery('DROP DATABASE "doomed"', { db: '' }, node.port);
  assert.deepEqual(result, { statement_id: 0 });
  assert.equal(node.barriers(), 1);
  assert.deepEqual(node.proposed, [{ kind: 'drop-database', name: 'doomed' }]);
});

test('DELETE of a measurement this node has not learned yet is proposed after the barrier', async () => {
  const node = staleNode(base, committed);
  await executeQuery(`DELETE FROM "gone" WHERE "g" = 'x'`, { db: 'chaos' }, node.port);
  assert.equal(node.barriers(), 1);
  assert.equal(node.proposed.length, 1);
  assert.equal(node.proposed[0]!.kind, 'delete-data');
  assert.deepEqual((node.proposed[0] as { measurements: readonly string[] }).measurements, ['gone']);
});

test('a barrier that fails (no reachable leader) fails the statement instead of answering a no-op', async () => {
  const node = staleNode(base, committed);
  node.port.catalogBarrier = () => Promise.reject(new Error('no reachable Raft leader'));
  const [result] = await executeQuery('DROP DATABASE "doomed"', { db: '' }, node.port);
  assert.ok(result !== undefined && 'error' in result, 'the statement reports an error');
  assert.deepEqual(node.proposed, []);
});

test('reading statements and CREATE DATABASE do not wait for the barrier; a port without one decides from its schema', async () => {
  const node = staleNode(base, committed);
  await executeQuery('SHOW DATABASES; CREATE DATABASE "fresh"', { db: '' }, node.port);
  assert.equal(node.barriers(), 0);
  const single = staleNode(committed, committed, false);
  await executeQuery('DROP DATABASE "doomed"; DROP DATABASE "never"', { db: '' }, single.port);
  assert.deepEqual(single.proposed, [{ kind: 'drop-database', name: 'doomed' }]);
});
