// Statement authorization against what influxd 1.6.7 answered (recorded with auth enabled, as a
// user without privileges on the request database db1 and on db2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../src/core/meta/catalog.js';
import { PRIVILEGE_READ, PRIVILEGE_WRITE } from '../../../src/core/meta/users.js';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { statementString, goFloatText } from '../../../src/core/query/language/statement-string.js';
import { authorizeQuery, queryPrincipal } from '../../../src/core/query/execute/query-authorizer.js';
import { ForbiddenError } from '../../../src/core/errors.js';

const RECORDED: ReadonlyArray<readonly [string, string, string]> = [
  ["CREATE USER x WITH PASSWORD 'p'", "CREATE USER x WITH PASSWORD [REDACTED]", "admin privilege"],
  ["CREATE USER x WITH PASSWORD 'p' WITH ALL PRIVILEGES", "CREATE USER x WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES", "admin privilege"],
  ["DROP USER x", "DROP USER x", "admin privilege"],
  ["GRANT ALL ON db1 TO bob", "GRANT ALL PRIVILEGES ON db1 TO bob", "admin privilege"],
  ["GRANT ALL PRIVILEGES TO bob", "GRANT ALL PRIVILEGES TO bob", "admin privilege"],
  ["REVOKE WRITE ON db1 FROM bob", "REVOKE WRITE ON db1 FROM bob", "admin privilege"],
  ["REVOKE ALL PRIVILEGES FROM bob", "REVOKE ALL PRIVILEGES FROM bob", "admin privilege"],
  ["CREATE DATABASE x WITH DURATION 1d REPLICATION 1 SHARD DURATION 1h NAME r", "CREATE DATABASE x WITH DURATION 24h0m0s REPLICATION 1 SHARD DURATION 1h0m0s NAME r", "admin privilege"],
  ["CREATE DATABASE \"a b\"", "CREATE DATABASE \"a b\"", "admin privilege"],
  ["ALTER RETENTION POLICY autogen ON db1 DURATION 2h DEFAULT", "ALTER RETENTION POLICY autogen ON db1 DURATION 2h DEFAULT", "admin privilege"],
  ["CREATE RETENTION POLICY r ON db1 DURATION INF REPLICATION 2 SHARD DURATION 2h DEFAULT", "CREATE RETENTION POLICY r ON db1 DURATION 0s REPLICATION 2 SHARD DURATION 2h DEFAULT", "admin privilege"],
  ["DROP RETENTION POLICY r ON db1", "DROP RETENTION POLICY r ON db1", "WRITE on db1"],
  ["DROP MEASUREMENT \"m m\"", "DROP MEASUREMENT \"m m\"", "admin privilege"],
  ["DROP SHARD 3", "DROP SHARD 3", "admin privilege"],
  ["SHOW SHARD GROUPS", "SHOW SHARD GROUPS", "admin privilege"],
  ["SHOW STATS FOR 'httpd'", "SHOW STATS FOR 'httpd'", "admin privilege"],
  ["SHOW DIAGNOSTICS FOR 'build'", "SHOW DIAGNOSTICS FOR 'build'", "admin privilege"],
  ["KILL QUERY 3 ON \"h\"", "KILL QUERY 3 ON h", "admin privilege"],
  ["CREATE CONTINUOUS QUERY cq ON db1 BEGIN SELECT mean(v) INTO m2 FROM m GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY cq ON db1 BEGIN SELECT mean(v) INTO m2 FROM m GROUP BY time(1h) END", "READ on db1"],
  ["CREATE CONTINUOUS QUERY cq ON db1 RESAMPLE EVERY 1h FOR 2h BEGIN SELECT mean(v) INTO db1.autogen.m2 FROM m GROUP BY time(1h), * END", "CREATE CONTINUOUS QUERY cq ON db1 RESAMPLE EVERY 1h FOR 2h BEGIN SELECT mean(v) INTO db1.autogen.m2 FROM m GROUP BY time(1h), * END", "READ on db1"],
  ["DROP CONTINUOUS QUERY cq ON db1", "DROP CONTINUOUS QUERY cq ON db1", "WRITE on db1"],
  ["CREATE SUBSCRIPTION s ON db1.autogen DESTINATIONS ALL 'udp://h:1', 'udp://h:2'", "CREATE SUBSCRIPTION s ON db1.autogen DESTINATIONS ALL 'udp://h:1', 'udp://h:2'", "admin privilege"],
  ["DROP SUBSCRIPTION s ON db1.autogen", "DROP SUBSCRIPTION s ON db1.autogen", "admin privilege"],
  ["SELECT count(v) FROM db2..cpu", "SELECT count(v) FROM db2..cpu", "READ on db2"],
  ["SELECT * FROM db2.autogen./c.*/", "SELECT * FROM db2.autogen./c.*/", "READ on db2"],
  ["SELECT v::field, t::tag FROM m WHERE time >= '2020-01-01T00:00:00Z' AND v =~ /a\\/b/ fill(none)", "SELECT v::field, t::tag FROM m WHERE time >= '2020-01-01T00:00:00Z' AND v =~ /a\\/b/ fill(none)", "READ on db1"],
  ["SELECT * FROM (SELECT v FROM db2..m)", "SELECT * FROM (SELECT v FROM db2..m)", "READ on db2"],
  ["SELECT 1.5 * v, -v, 'str' FROM db2..m GROUP BY * fill(previous) tz('Europe/Paris')", "SELECT 1.500 * v, -1 * v, 'str' FROM db2..m GROUP BY * fill(previous) TZ('Europe/Paris')", "READ on db2"],
  ["SELECT v INTO db2.autogen.:MEASUREMENT FROM db2../m/", "SELECT v INTO db2.autogen.:MEASUREMENT FROM db2../m/", "READ on db2"],
  ["SELECT top(v, 3), DISTINCT(t) FROM db2..m", "SELECT top(v, 3), distinct(t) FROM db2..m", "READ on db2"],
  ["SELECT v FROM db2..m WHERE a = true AND b = 1 AND c = 1.0 AND d = -5 OR e <> 'x' AND f != 2", "SELECT v FROM db2..m WHERE a = true AND b = 1 AND c = 1.000 AND d = -5 OR e != 'x' AND f != 2", "READ on db2"],
  ["SELECT v FROM db2..m WHERE time > now() - 90m", "SELECT v FROM db2..m WHERE time > now() - 90m", "READ on db2"],
  ["SELECT v FROM db2..m fill(1.5)", "SELECT v FROM db2..m fill(1.5)", "READ on db2"],
  ["SELECT v FROM db2..m fill(-2)", "SELECT v FROM db2..m fill(-2)", "READ on db2"],
  ["SELECT \"v-x\" AS \"a b\" FROM \"db 2\"..\"m.x\"", "SELECT \"v-x\" AS \"a b\" FROM \"db 2\"..\"m.x\"", "READ on db 2"],
  ["SHOW MEASUREMENTS ON db2 WITH MEASUREMENT =~ /c.*/ WHERE t = 'x' LIMIT 2 OFFSET 1", "SHOW MEASUREMENTS ON db2 WITH MEASUREMENT =~ /c.*/ WHERE t = 'x' LIMIT 2 OFFSET 1", "READ on db2"],
  ["SHOW MEASUREMENTS ON db2 WITH MEASUREMENT = cpu", "SHOW MEASUREMENTS ON db2 WITH MEASUREMENT = cpu", "READ on db2"],
  ["SHOW SERIES ON db2 FROM cpu, /m/ WHERE t = 'a' LIMIT 1 OFFSET 2", "SHOW SERIES ON db2 FROM cpu, /m/ WHERE t = 'a' LIMIT 1 OFFSET 2", "READ on db2"],
  ["SHOW TAG KEYS ON db2 FROM cpu WHERE a = 'b' LIMIT 1 OFFSET 1 SLIMIT 2 SOFFSET 3", "SHOW TAG KEYS ON db2 FROM cpu WHERE a = 'b' LIMIT 1 OFFSET 1 SLIMIT 2 SOFFSET 3", "READ on db2"],
  ["SHOW TAG VALUES ON db2 FROM cpu WITH KEY IN (a, \"b c\") WHERE x = 'y' LIMIT 3", "SHOW TAG VALUES ON db2 FROM cpu WITH KEY IN (a, \"b c\") WHERE x = 'y' LIMIT 3", "READ on db2"],
  ["SHOW TAG VALUES ON db2 WITH KEY =~ /h.*/", "SHOW TAG VALUES ON db2 WITH KEY =~ /h.*/", "READ on db2"],
  ["SHOW TAG VALUES ON db2 WITH KEY != host", "SHOW TAG VALUES ON db2 WITH KEY != host", "READ on db2"],
  ["SHOW FIELD KEYS ON db2 FROM cpu LIMIT 1", "SHOW FIELD KEYS ON db2 FROM cpu LIMIT 1", "READ on db2"],
  ["SHOW MEASUREMENT CARDINALITY ON db2", "SHOW MEASUREMENT CARDINALITY ON db2", "READ on db2"],
  ["DELETE WHERE time < '2020-01-01T00:00:00Z'", "DELETE WHERE time < '2020-01-01T00:00:00Z'", "WRITE on db1"],
  ["DROP SERIES WHERE host = 'a'", "DROP SERIES WHERE host = 'a'", "WRITE on db1"],
  ["EXPLAIN ANALYZE SELECT * FROM db2..m", "EXPLAIN ANALYZE SELECT * FROM db2..m", "READ on db2"],
  ["SHOW SERIES ON db2", "SHOW SERIES ON db2", "READ on db2"],
  ["SELECT mean(v) FROM db2..m WHERE time > 0 GROUP BY time(1h, 15m)", "SELECT mean(v) FROM db2..m WHERE time > 0 GROUP BY time(1h, 15m)", "READ on db2"],
  ["SELECT v FROM db2..m LIMIT 1 SLIMIT 1", "SELECT v FROM db2..m LIMIT 1 SLIMIT 1", "READ on db2"],
  ["SELECT * FROM db2..m WHERE t =~ /^a$/ AND time < now()", "SELECT * FROM db2..m WHERE t =~ /^a$/ AND time < now()", "READ on db2"],
  ["SELECT derivative(mean(v), 1s) FROM db2..m GROUP BY time(10s)", "SELECT derivative(mean(v), 1s) FROM db2..m GROUP BY time(10s)", "READ on db2"],
  ["SELECT v FROM db2..m WHERE v > 100000000.5", "SELECT v FROM db2..m WHERE v > 100000000.500", "READ on db2"],
  ["SELECT percentile(v, 99.9) FROM db2..m", "SELECT percentile(v, 99.900) FROM db2..m", "READ on db2"],
  ["SELECT v FROM db2..m WHERE time > '2020-01-01' - 1d", "SELECT v FROM db2..m WHERE time > '2020-01-01' - 1d", "READ on db2"],
  ["SELECT * FROM cpu", "SELECT * FROM cpu", "READ on db1"],
  ["SELECT mean(v) AS m FROM db1.autogen.cpu, \"my m\" WHERE time > now() - 1h AND host = 'a' GROUP BY time(1m), host fill(0) ORDER BY time DESC LIMIT 5 OFFSET 1 SLIMIT 2 SOFFSET 1", "SELECT mean(v) AS m FROM db1.autogen.cpu, \"my m\" WHERE time > now() - 1h AND host = 'a' GROUP BY time(1m), host fill(0) ORDER BY time DESC LIMIT 5 OFFSET 1 SLIMIT 2 SOFFSET 1", "READ on db1"],
  ["CREATE DATABASE x", "CREATE DATABASE x", "admin privilege"],
  ["SHOW USERS", "SHOW USERS", "admin privilege"],
  ["SHOW GRANTS FOR bob", "SHOW GRANTS FOR bob", "admin privilege"],
  ["SET PASSWORD FOR bob = 'x'", "SET PASSWORD FOR bob = [REDACTED]", "admin privilege"],
  ["SHOW MEASUREMENTS", "SHOW MEASUREMENTS", "READ on db1"],
  ["SHOW MEASUREMENTS ON db2", "SHOW MEASUREMENTS ON db2", "READ on db2"],
  ["SHOW RETENTION POLICIES ON db1", "SHOW RETENTION POLICIES ON db1", "READ on db1"],
  ["SHOW SERIES", "SHOW SERIES", "READ on db1"],
  ["SHOW TAG KEYS", "SHOW TAG KEYS", "READ on db1"],
  ["SHOW TAG VALUES WITH KEY = host", "SHOW TAG VALUES WITH KEY = host", "READ on db1"],
  ["SHOW FIELD KEYS", "SHOW FIELD KEYS", "READ on db1"],
  ["DROP MEASUREMENT cpu", "DROP MEASUREMENT cpu", "admin privilege"],
  ["DELETE FROM cpu WHERE time < 0", "DELETE FROM cpu WHERE time < 0", "WRITE on db1"],
  ["DROP SERIES FROM cpu", "DROP SERIES FROM cpu", "WRITE on db1"],
  ["SELECT v INTO db2..c2 FROM cpu", "SELECT v INTO db2..c2 FROM cpu", "READ on db1"],
  ["SHOW QUERIES", "SHOW QUERIES", "READ on "],
  ["KILL QUERY 1", "KILL QUERY 1", "admin privilege"],
  ["SHOW STATS", "SHOW STATS", "admin privilege"],
  ["SHOW DIAGNOSTICS", "SHOW DIAGNOSTICS", "admin privilege"],
  ["CREATE RETENTION POLICY r ON db1 DURATION 1d REPLICATION 1", "CREATE RETENTION POLICY r ON db1 DURATION 1d REPLICATION 1", "admin privilege"],
  ["SHOW CONTINUOUS QUERIES", "SHOW CONTINUOUS QUERIES", "READ on "],
  ["EXPLAIN SELECT * FROM cpu", "EXPLAIN SELECT * FROM cpu", "READ on db1"],
  ["SHOW SHARDS", "SHOW SHARDS", "admin privilege"],
  ["SHOW SUBSCRIPTIONS", "SHOW SUBSCRIPTIONS", "admin privilege"],
  ["SHOW SERIES CARDINALITY", "SHOW SERIES CARDINALITY", "READ on db1"],
  ["DROP DATABASE db1", "DROP DATABASE db1", "admin privilege"],
  ["GRANT READ ON db1 TO bob", "GRANT READ ON db1 TO bob", "admin privilege"],
];

const users = Catalog.empty()
  .apply({ kind: 'create-database', name: 'db1' })
  .apply({ kind: 'create-database', name: 'db2' })
  .apply({ kind: 'create-user', name: 'adm', hash: 'x', admin: true })
  .apply({ kind: 'create-user', name: 'bob', hash: 'x', admin: false });

function refusal(query: string, db: string, catalog = users, name = 'bob'): string | undefined {
  try {
    authorizeQuery({ users: catalog, user: catalog.user(name) ?? null, statements: parseQuery(query), db });
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ForbiddenError);
    assert.equal(error.status, 403);
    return error.message;
  }
}

test('statement texts and required privileges match influxd 1.6.7 for every recorded statement', () => {
  for (const [query, text, requires] of RECORDED) {
    assert.equal(statementString(parseQuery(query)[0]!), text, query);
    // The two recorded with no request database name none.
    assert.equal(refusal(query, requires.endsWith(' on ') ? '' : 'db1'), `error authorizing query: bob not authorized to execute statement '${text}', requires ${requires}`, query);
  }
});

test('admins run everything; grants open exactly their database and privilege', () => {
  assert.equal(refusal('DROP DATABASE db1; SHOW USERS; SELECT * FROM db2..m', 'db1', users, 'adm'), undefined);
  const granted = users.apply({ kind: 'grant-privilege', name: 'bob', db: 'db1', privilege: PRIVILEGE_READ }).apply({ kind: 'grant-privilege', name: 'bob', db: 'db2', privilege: PRIVILEGE_WRITE });
  assert.equal(refusal('SELECT * FROM cpu; SHOW MEASUREMENTS; SHOW DATABASES', 'db1', granted), undefined);
  assert.equal(refusal('DELETE FROM cpu', 'db2', granted), undefined);
  assert.match(refusal('DELETE FROM cpu', 'db1', granted)!, /requires WRITE on db1$/);
  assert.match(refusal('SELECT * FROM cpu', 'db2', granted)!, /requires READ on db2$/);
  assert.match(refusal('SELECT v INTO db1..c FROM db1..cpu', 'db1', granted)!, /statement 'SELECT v INTO db1..c FROM db1..cpu', requires WRITE on db1$/, 'SELECT INTO needs WRITE on its target');
  assert.equal(refusal('SELECT v INTO db2..c FROM db1..cpu', 'db1', granted), undefined);
  assert.match(refusal('SHOW DATABASES; SHOW USERS', 'db1', granted)!, /statement 'SHOW USERS', requires admin privilege$/, 'the first refused statement is named');
  const principal = queryPrincipal(granted, granted.user('bob')!);
  assert.deepEqual(['db1', 'db2', 'db3'].filter((db) => principal.listsDatabase(db)), ['db1', 'db2'], 'SHOW DATABASES lists what the user may read or write');
});

test('no users: only a query starting with CREATE USER … WITH ALL PRIVILEGES; users but no admin: nothing', () => {
  const none = Catalog.empty();
  const bootstrap = (query: string, catalog: Catalog): string | undefined => {
    try {
      authorizeQuery({ users: catalog, user: null, statements: parseQuery(query), db: '' });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  assert.equal(bootstrap("CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES", none), undefined);
  assert.equal(bootstrap("CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES; CREATE DATABASE x", none), undefined);
  for (const query of ["CREATE USER a WITH PASSWORD 'p'", 'SHOW DATABASES', "SHOW DATABASES; CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES"]) {
    assert.equal(bootstrap(query, none), 'error authorizing query: create admin user first or disable authentication', query);
  }
  const noAdmin = none.apply({ kind: 'create-user', name: 'bob', hash: 'x', admin: false });
  assert.equal(bootstrap('SHOW DATABASES', noAdmin), 'error authorizing query: no user provided');
});

test("fill values print as Go's %v", () => {
  assert.deepEqual([1.5, -2, 100000, 1e6, 1234567.5, 0.0001, 0.00001, 1e21].map(goFloatText), ['1.5', '-2', '100000', '1e+06', '1.2345675e+06', '0.0001', '1e-05', '1e+21']);
});
