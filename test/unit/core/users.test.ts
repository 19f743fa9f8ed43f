import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { decodeCatalog, encodeCatalog } from '../../../src/core/meta/catalog-store.js';
import { hashPassword, verifyPassword } from '../../../src/core/meta/password.js';
import { UserAuthenticator, defaultUserAuthenticatorOptions } from '../../../src/core/meta/user-authenticator.js';
import { userCatalogCommand } from '../../../src/core/meta/user-commands.js';
import { PRIVILEGE_ALL, PRIVILEGE_NONE, PRIVILEGE_READ, PRIVILEGE_WRITE, authorizesDatabase } from '../../../src/core/meta/users.js';

/** Cheap scrypt parameters for tests that are about the catalog, not the cost. */
const FAST = { N: 1024, r: 8, p: 1 };

function withUsers(): Catalog {
  return Catalog.empty()
    .apply({ kind: 'create-database', name: 'db1' })
    .apply({ kind: 'create-database', name: 'db2' })
    .apply({ kind: 'create-user', name: 'adm', hash: 'h-adm', admin: true })
    .apply({ kind: 'create-user', name: 'bob', hash: 'h-bob', admin: false })
    .apply({ kind: 'create-user', name: 'al', hash: 'h-al', admin: false });
}

test('users keep creation order through changes and drops (SHOW USERS order, as 1.x)', () => {
  let catalog = withUsers().apply({ kind: 'set-password', name: 'adm', hash: 'h2' }).apply({ kind: 'set-admin', name: 'al', admin: true });
  assert.deepEqual(catalog.userList().map((u) => [u.name, u.admin]), [['adm', true], ['bob', false], ['al', true]]);
  catalog = catalog.apply({ kind: 'drop-user', name: 'bob' });
  assert.deepEqual(catalog.userList().map((u) => u.name), ['adm', 'al']);
  assert.equal(catalog.user('adm')!.hash, 'h2');
});

test('refused user commands throw 1.x texts and leave the catalog as it was', () => {
  const catalog = withUsers();
  const refused = (command: Parameters<Catalog['apply']>[0], message: string): void => assert.throws(() => catalog.apply(command), { message });
  refused({ kind: 'create-user', name: 'bob', hash: 'x', admin: false }, 'user already exists');
  refused({ kind: 'create-user', name: '', hash: 'x', admin: false }, 'username required');
  refused({ kind: 'drop-user', name: 'nosuch' }, 'user not found');
  refused({ kind: 'set-password', name: 'nosuch', hash: 'x' }, 'user not found');
  refused({ kind: 'set-admin', name: 'nosuch', admin: true }, 'user not found');
  refused({ kind: 'grant-privilege', name: 'nosuch', db: 'nodb', privilege: PRIVILEGE_READ }, 'user not found');
  refused({ kind: 'grant-privilege', name: 'bob', db: 'nodb', privilege: PRIVILEGE_READ }, 'database not found: nodb');
  refused({ kind: 'revoke-privilege', name: 'bob', db: 'nodb', privilege: PRIVILEGE_READ }, 'database not found: nodb');
  assert.equal(catalog.userList().length, 3);
});

test('GRANT sets the privilege outright, REVOKE clears its bits, a dropped database takes its grants along', () => {
  let catalog = withUsers()
    .apply({ kind: 'grant-privilege', name: 'bob', db: 'db2', privilege: PRIVILEGE_READ })
    .apply({ kind: 'grant-privilege', name: 'bob', db: 'db2', privilege: PRIVILEGE_WRITE })
    .apply({ kind: 'grant-privilege', name: 'bob', db: 'db1', privilege: PRIVILEGE_ALL })
    .apply({ kind: 'revoke-privilege', name: 'al', db: 'db1', privilege: PRIVILEGE_READ });
  assert.deepEqual([...catalog.user('bob')!.privileges], [['db2', PRIVILEGE_WRITE], ['db1', PRIVILEGE_ALL]]);
  assert.deepEqual([...catalog.user('al')!.privileges], [['db1', PRIVILEGE_NONE]], 'a revoke where nothing was granted leaves NO PRIVILEGES (1.6.7)');
  catalog = catalog.apply({ kind: 'revoke-privilege', name: 'bob', db: 'db1', privilege: PRIVILEGE_READ });
  assert.equal(catalog.user('bob')!.privileges.get('db1'), PRIVILEGE_WRITE);
  const bob = catalog.user('bob')!;
  assert.ok(authorizesDatabase(bob, PRIVILEGE_WRITE, 'db1'));
  assert.ok(!authorizesDatabase(bob, PRIVILEGE_READ, 'db1'));
  assert.ok(authorizesDatabase(catalog.user('adm')!, PRIVILEGE_READ, 'anything'), 'admins may do everything');
  catalog = catalog.apply({ kind: 'drop-database', name: 'db1' });
  assert.deepEqual([...catalog.user('bob')!.privileges], [['db2', PRIVILEGE_WRITE]]);
});

test('users survive the stored encoding, and a catalog stored before users existed reads as none', () => {
  const catalog = withUsers().apply({ kind: 'grant-privilege', name: 'bob', db: 'db1', privilege: PRIVILEGE_READ });
  const decoded = decodeCatalog(encodeCatalog(catalog));
  assert.deepEqual(decoded.userList(), catalog.userList());
  assert.deepEqual(encodeCatalog(decoded), encodeCatalog(catalog), 'the encoding is deterministic (cluster digests compare it)');
  const packr = new Packr({ useRecords: false, moreTypes: true });
  const older = packr.unpack(encodeCatalog(Catalog.empty().apply({ kind: 'create-database', name: 'db' }))) as Record<string, unknown>;
  delete older['users'];
  const read = decodeCatalog(packr.pack(older));
  assert.deepEqual(read.userList(), []);
  assert.deepEqual(read.databaseNames(), ['db']);
});

test('scrypt hashes are salted and verify in constant time; a damaged hash never verifies', async () => {
  const a = await hashPassword('s3cret', FAST);
  const b = await hashPassword('s3cret', FAST);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(!a.includes('s3cret'));
  assert.equal(await verifyPassword('s3cret', a), true);
  assert.equal(await verifyPassword('s3creT', a), false);
  assert.equal(await verifyPassword('s3cret', a.replace('scrypt$1024', 'scrypt$1000')), false, 'N must be a power of two');
  assert.equal(await verifyPassword('s3cret', 'plain'), false);
  assert.equal(await verifyPassword('', await hashPassword('', FAST)), true, 'an empty password is a password (1.x accepts it)');
});

test('CREATE USER again: the same password and flag is a no-op, anything else "user already exists"; the hash is made once, here', async () => {
  const hash = await hashPassword('pw', FAST);
  const catalog = Catalog.empty().apply({ kind: 'create-user', name: 'bob', hash, admin: false });
  assert.equal(await userCatalogCommand({ kind: 'create-user', name: 'bob', password: 'pw', admin: false }, catalog), null);
  await assert.rejects(userCatalogCommand({ kind: 'create-user', name: 'bob', password: 'other', admin: false }, catalog), { message: 'user already exists' });
  await assert.rejects(userCatalogCommand({ kind: 'create-user', name: 'bob', password: 'pw', admin: true }, catalog), { message: 'user already exists' });
  await assert.rejects(userCatalogCommand({ kind: 'set-password', name: 'nosuch', password: 'x' }, catalog), { message: 'user not found' });
  const created = await userCatalogCommand({ kind: 'create-user', name: 'al', password: 'pw2', admin: true }, catalog);
  assert.ok(created !== null && created.kind === 'create-user' && created.hash.startsWith('scrypt$') && !('password' in created));
  // Applying the same command twice (two replicas) stores the same hash: apply draws no randomness.
  assert.equal(catalog.apply(created).user('al')!.hash, catalog.apply(created).user('al')!.hash);
});

test('the authenticator caches a verified password briefly, keyed so a change or a drop applies at once', async () => {
  let now = 1_000;
  let catalog = Catalog.empty().apply({ kind: 'create-user', name: 'bob', hash: await hashPassword('pw', FAST), admin: false });
  const auth = new UserAuthenticator(() => catalog, { ...defaultUserAuthenticatorOptions, cacheTtlMs: 500, cacheMaxEntries: 2 }, () => now);
  assert.equal((await auth.authenticate('bob', 'pw'))?.name, 'bob');
  assert.equal(auth.cachedEntries, 1);
  assert.equal(await auth.authenticate('bob', 'wrong'), undefined, 'a cached entry never accepts another password');
  assert.equal(await auth.authenticate('nosuch', 'pw'), undefined);
  catalog = catalog.apply({ kind: 'set-password', name: 'bob', hash: await hashPassword('new', FAST) });
  assert.equal(await auth.authenticate('bob', 'pw'), undefined, 'the old password stops working at once');
  assert.equal((await auth.authenticate('bob', 'new'))?.name, 'bob');
  catalog = catalog.apply({ kind: 'drop-user', name: 'bob' });
  assert.equal(await auth.authenticate('bob', 'new'), undefined, 'a dropped user stops at once');
  catalog = catalog
    .apply({ kind: 'create-user', name: 'u1', hash: await hashPassword('a', FAST), admin: false })
    .apply({ kind: 'create-user', name: 'u2', hash: await hashPassword('b', FAST), admin: false })
    .apply({ kind: 'create-user', name: 'u3', hash: await hashPassword('c', FAST), admin: false });
  for (const [name, pw] of [['u1', 'a'], ['u2', 'b'], ['u3', 'c']] as const) assert.ok(await auth.authenticate(name, pw));
  assert.equal(auth.cachedEntries, 2, 'bounded: the least recently used entry went');
  now += 10_000;
  assert.ok(await auth.authenticate('u3', 'c'), 'an expired entry is verified again, not refused');
});
