// The edge caches' tests compare each answer with the chDB path's: the same query with an SLIMIT
// no answer reaches, which the in-memory paths never take.
import assert from 'node:assert/strict';
import type { Engine } from '../../src/core/index.js';

export async function assertSameAsStored(engine: Engine, q: string, message: string = q): Promise<void> {
  const cached = await engine.query(q, { db: 'db' });
  const stored = await engine.query(`${q} SLIMIT 100000`, { db: 'db' });
  assert.deepEqual(cached, stored, message);
}
