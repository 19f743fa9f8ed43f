// Retention policies as InfluxDB 1.6.7 keeps them: shard group normalisation, conflicts, the
// default that survives a drop, and the arithmetic of write-time refusal and expiry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { expiryCutoffNs, retentionCutoffNs, shardGroupStartNs, withinRetention } from '../../../src/core/meta/retention.js';
import type { Point } from '../../../src/core/model/point.js';

const H = 3_600_000_000_000n;
const D = 24n * H;
const base = Catalog.empty().apply({ kind: 'create-database', name: 'db' });
const rp = (name: string, durationNs: bigint, shardGroupDurationNs = 0n, replicaN = 1) => ({ name, durationNs, shardGroupDurationNs, replicaN });
const policy = (catalog: Catalog, name: string) => catalog.database('db')!.retentionPolicies.find((p) => p.name === name);

test('a shard group duration under an hour becomes an hour; 0 derives it from the duration (>= 180d: a week)', () => {
  let c = base.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', 2n * H, 30n * 60_000_000_000n), makeDefault: false });
  assert.equal(policy(c, 'a')!.shardGroupDurationNs, H);
  c = c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('b', 180n * D), makeDefault: false });
  assert.equal(policy(c, 'b')!.shardGroupDurationNs, 7n * D);
  c = c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('c', 0n, 60_000_000_000n), makeDefault: false });
  assert.equal(policy(c, 'c')!.shardGroupDurationNs, H);
  c = c.apply({ kind: 'alter-retention-policy', db: 'db', name: 'c', shardGroupDurationNs: 10n });
  assert.equal(policy(c, 'c')!.shardGroupDurationNs, H);
});

test('a shard group longer than the duration is refused, on create and on alter', () => {
  const incompatible = /retention policy duration must be greater than the shard duration/;
  assert.throws(() => base.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', H, 2n * H), makeDefault: false }), incompatible);
  assert.throws(() => base.apply({ kind: 'alter-retention-policy', db: 'db', name: 'autogen', durationNs: D }), incompatible, 'autogen keeps 7d shards');
  const ok = base.apply({ kind: 'alter-retention-policy', db: 'db', name: 'autogen', durationNs: D, shardGroupDurationNs: H });
  assert.deepEqual(policy(ok, 'autogen'), rp('autogen', D, H));
  assert.throws(() => Catalog.empty().apply({ kind: 'create-database', name: 'x', rp: rp('r', H, 2n * H) }), incompatible);
});

test('creating an existing policy: identical is a no-op, different is "already exists", DEFAULT on a non-default is a conflict', () => {
  const c = base.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', 2n * H), makeDefault: false });
  assert.equal(c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', 2n * H, 30n), makeDefault: false }).database('db')!.retentionPolicies.length, 2);
  assert.throws(() => c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', 2n * H, 2n * H), makeDefault: false }), /retention policy already exists/);
  assert.throws(() => c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('a', 2n * H), makeDefault: true }), /retention policy conflicts with an existing policy/);
});

test('a dropped default policy keeps its name as the default: created again, it is the default again', () => {
  let c = base.apply({ kind: 'drop-retention-policy', db: 'db', name: 'autogen' });
  assert.equal(c.database('db')!.defaultRetentionPolicy, 'autogen');
  assert.equal(c.database('db')!.retentionPolicies.length, 0);
  c = c.apply({ kind: 'create-retention-policy', db: 'db', rp: rp('autogen', 0n), makeDefault: false });
  assert.equal(c.database('db')!.defaultRetentionPolicy, 'autogen');
});

test('CREATE DATABASE WITH on an existing database compares only what it gave, and fills a database without policies', () => {
  const c = Catalog.empty().apply({ kind: 'create-database', name: 'e', rp: rp('x', 2n * H, 30n) });
  assert.equal(c.apply({ kind: 'create-database', name: 'e', rp: rp('x', 0n), rpGiven: { duration: false, replicaN: false } }).databases, c.databases);
  assert.throws(() => c.apply({ kind: 'create-database', name: 'e', rp: rp('x', 3n * H) }), /conflicts/);
  assert.throws(() => c.apply({ kind: 'create-database', name: 'e', rp: rp('y', 2n * H) }), /conflicts/);
  const empty = c.apply({ kind: 'drop-retention-policy', db: 'e', name: 'x' });
  const refilled = empty.apply({ kind: 'create-database', name: 'e', rp: rp('z', 3n * H) });
  assert.equal(refilled.database('e')!.defaultRetentionPolicy, 'z');
});

const point = (timeNs: bigint | null): Point => ({ measurement: 'm', tags: [], fieldKeys: ['v'], fieldTypes: ['float'], fieldValues: [1], timeNs });

test('writes refuse points older than now minus the duration; an infinite policy keeps all', () => {
  const now = 1_000n * D;
  const cutoff = retentionCutoffNs(rp('a', H), now);
  assert.equal(cutoff, now - H);
  const points = [point(now), point(now - H), point(now - H - 1n), point(null)];
  assert.deepEqual(withinRetention(points, cutoff).map((p) => p.timeNs), [now, now - H, null]);
  assert.equal(withinRetention(points, retentionCutoffNs(rp('inf', 0n), now)), points);
});

test('expiry follows 1.x shard groups: data stays until its whole group is older than the duration', () => {
  // 2024-01-03T10:30:00Z (a Wednesday); hour groups, day groups, and week groups start on Monday.
  const now = BigInt(Date.UTC(2024, 0, 3, 10, 30)) * 1_000_000n;
  assert.equal(expiryCutoffNs(rp('h', 2n * H, H), now), BigInt(Date.UTC(2024, 0, 3, 8)) * 1_000_000n);
  assert.equal(expiryCutoffNs(rp('d', 3n * D, D), now), BigInt(Date.UTC(2023, 11, 31)) * 1_000_000n);
  assert.equal(expiryCutoffNs(rp('w', 200n * D, 7n * D), now), BigInt(Date.UTC(2023, 5, 12)) * 1_000_000n, 'a Monday');
  assert.equal(new Date(Number(shardGroupStartNs(now, 7n * D) / 1_000_000n)).getUTCDay(), 1);
  assert.equal(expiryCutoffNs(rp('inf', 0n, 7n * D), now), null);
});
