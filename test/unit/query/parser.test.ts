import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { QueryParseError } from '../../../src/core/errors.js';

// Messages verified byte for byte against InfluxDB 1.6.7 (`influxd`) during development.
const ERRORS: Array<[string, string]> = [
  ['SELEC', 'found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1'],
  ['SELECT', 'found EOF, expected identifier, string, number, bool at line 1, char 8'],
  ['SHOW', 'found EOF, expected CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, USERS at line 1, char 6'],
  ['CREATE', 'found EOF, expected CONTINUOUS, DATABASE, USER, RETENTION, SUBSCRIPTION at line 1, char 8'],
  ['DROP', 'found EOF, expected CONTINUOUS, DATABASE, MEASUREMENT, RETENTION, SERIES, SHARD, SUBSCRIPTION, USER at line 1, char 6'],
  ['DELETE x', 'found x, expected FROM, WHERE at line 1, char 8'],
  ['SELECT value FROM cpu LIMIT -1', 'found -, expected integer at line 1, char 29'],
  ['SELECT value FROM cpu ORDER BY value', 'only ORDER BY time supported at this time'],
  ['SELECT value FROM cpu GROUP BY time(1s) fill(x)', 'expected number argument in fill()'],
  ['SELECT value FROM cpu GROUP BY time(1s) fill', 'fill must be a function call'],
  ['SELECT value FROM cpu GROUP BY time(1s) fill(1,2)', 'fill requires an argument, e.g.: 0, null, none, previous, linear'],
  ["SELECT value FROM cpu tz('Nope/Zone')", 'unable to find time zone Nope/Zone'],
  ['SELECT value FROM cpu x', 'found x, expected ; at line 1, char 23'],
  ['SELECT value::foo FROM cpu', 'found foo, expected float, integer, unsigned, string, boolean, field, tag at line 1, char 15'],
  ['SELECT (value FROM cpu', 'found FROM, expected ) at line 1, char 15'],
  ['SELECT value FROM cpu WHERE host =~ 5', 'found 5, expected regex at line 1, char 37'],
  ['SELECT value FROM a.b.c.d', 'too many segments in "a"."b"."c".d at line 1, char 1'],
  ['SELECT - FROM cpu', 'found FROM, expected identifier, number, duration, ( at line 1, char 10'],
  ["SELECT 'abc FROM cpu", 'found abc FROM cpu, expected identifier, string, number, bool at line 1, char 7'],
  ["SELECT 'a\\qb' FROM cpu", 'found \\q, expected identifier, string, number, bool at line 1, char 11'],
  ['SELECT 99999999999999999999 FROM cpu', 'unable to parse integer at line 1, char 8'],
  ['SELECT value FROM cpu WHERE time > 5x', 'invalid duration'],
  ['SELECT value FROM', 'found EOF, expected identifier at line 1, char 19'],
  ['SELECT value FROM cpu;x', 'found x, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 23'],
  ['SELECT $x FROM cpu', 'missing parameter: x'],
  ['SHOW TAG VALUES FROM cpu WITH KEY', 'found EOF, expected IN, =, =~ at line 1, char 35'],
  ['CREATE DATABASE x WITH', 'found EOF, expected DURATION, NAME, REPLICATION, SHARD at line 1, char 24'],
  ['CREATE RETENTION POLICY rp ON db DURATION 1h REPLICATION 0', 'invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 58'],
  ['ALTER RETENTION POLICY rp ON db', 'found EOF, expected DURATION, REPLICATION, SHARD, DEFAULT at line 1, char 33'],
  ['DROP SERIES', 'found EOF, expected FROM, WHERE at line 1, char 13'],
  ['SELECT value FROM cpu WHERE host =~ /server', 'bad regex:  at line 1, char 36'],
  ['SELECT * FROM cpu WHERE host =~ /[/', 'error parsing regexp: missing closing ]: `[` at line 1, char 32'],
  ['SELECT /* hi */ usage_user FROM cpu', 'error parsing regexp: missing argument to repetition operator: `*` at line 1, char 7'],
  ['SELECT * FROM select', 'found SELECT, expected identifier at line 1, char 15'],
  ['SELECT * FROM /a**/', 'error parsing regexp: invalid nested repetition operator: `**` at line 1, char 14'],
  ['SELECT * FROM /(?<name>x)/', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<` at line 1, char 14'],
  ['SELECT * FROM /(?=x)/', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=` at line 1, char 14'],
  ['SELECT * FROM /a{2,1001}/', 'error parsing regexp: invalid repeat count: `{2,1001}` at line 1, char 14'],
  ['SELECT * FROM /\\8/', 'error parsing regexp: invalid escape sequence: `\\8` at line 1, char 14'],
  ['SHOW MEASUREMENTS WITH MEASUREMENT =~ /(abc/', 'error parsing regexp: missing closing ): `(abc` at line 1, char 38'],
];

test('RE2-only regex syntax such as (?i) is not refused by the parser', () => {
  assert.doesNotThrow(() => parseQuery('SELECT * FROM cpu WHERE host =~ /(?i)SERVER/'));
});

test('parse errors carry InfluxDB 1.6 messages and positions', () => {
  for (const [query, message] of ERRORS) {
    assert.throws(() => parseQuery(query), (err: unknown) => {
      assert.ok(err instanceof QueryParseError, query);
      assert.equal(err.message, `error parsing query: ${message}`, query);
      assert.equal(err.status, 400);
      return true;
    });
  }
});

test('multiple statements, empty statements and comments', () => {
  assert.equal(parseQuery("SELECT value FROM cpu WHERE host = 'a' ;; SELECT * FROM mem ;").length, 2);
  assert.equal(parseQuery('').length, 0);
  assert.equal(parseQuery('SELECT value FROM cpu -- trailing').length, 1);
});

test('SELECT parses into a typed AST', () => {
  const [stmt] = parseQuery(
    "SELECT mean(value) AS m, value * 2 INTO db.rp.out FROM \"db\".\"rp\".cpu, /re/ WHERE time > now() - 1h AND (host = 'a' OR host =~ /b/) GROUP BY time(1m, 10s), host fill(previous) ORDER BY time DESC LIMIT 10 OFFSET 2 SLIMIT 3 SOFFSET 1 tz('Europe/Paris')",
  );
  assert.ok(stmt !== undefined && stmt.kind === 'select');
  assert.deepEqual(stmt.fields[0], { expr: { kind: 'call', name: 'mean', args: [{ kind: 'var-ref', name: 'value' }] }, alias: 'm' });
  assert.deepEqual(stmt.fields[1]?.expr, { kind: 'binary', op: '*', lhs: { kind: 'var-ref', name: 'value' }, rhs: { kind: 'integer', value: 2n } });
  assert.deepEqual(stmt.target, { database: 'db', retentionPolicy: 'rp', name: 'out' });
  assert.deepEqual(stmt.sources, [
    { kind: 'measurement', database: 'db', retentionPolicy: 'rp', name: 'cpu' },
    { kind: 'measurement', regex: 're' },
  ]);
  assert.equal(stmt.ascending, false);
  assert.deepEqual([stmt.limit, stmt.offset, stmt.slimit, stmt.soffset], [10, 2, 3, 1]);
  assert.deepEqual(stmt.fill, { kind: 'previous' });
  assert.equal(stmt.timezone, 'Europe/Paris');
  assert.deepEqual(stmt.dimensions[0], { kind: 'call', name: 'time', args: [{ kind: 'duration', ns: 60_000_000_000n }, { kind: 'duration', ns: 10_000_000_000n }] });
});

test('operator precedence follows influxql (AND binds tighter than OR, * tighter than +)', () => {
  const [stmt] = parseQuery('SELECT a + b * c FROM m WHERE x = 1 OR y = 2 AND z = 3');
  assert.ok(stmt?.kind === 'select');
  const field = stmt.fields[0]?.expr;
  assert.ok(field?.kind === 'binary' && field.op === '+' && field.rhs.kind === 'binary' && field.rhs.op === '*');
  const cond = stmt.condition;
  assert.ok(cond?.kind === 'binary' && cond.op === 'OR' && cond.rhs.kind === 'binary' && cond.rhs.op === 'AND');
});

test('unary minus and bound parameters', () => {
  const [stmt] = parseQuery('SELECT -value, -1.5, -(a) FROM m WHERE host = $h AND v > $n', { h: 'x', n: 5 });
  assert.ok(stmt?.kind === 'select');
  assert.deepEqual(stmt.fields[0]?.expr, { kind: 'binary', op: '*', lhs: { kind: 'integer', value: -1n }, rhs: { kind: 'var-ref', name: 'value' } });
  assert.deepEqual(stmt.fields[1]?.expr, { kind: 'number', value: -1.5 });
  const cond = stmt.condition;
  assert.ok(cond?.kind === 'binary' && cond.lhs.kind === 'binary' && cond.rhs.kind === 'binary');
  assert.deepEqual(cond.lhs.rhs, { kind: 'string', value: 'x' });
  assert.deepEqual(cond.rhs.rhs, { kind: 'integer', value: 5n });
});

test('SHOW and DDL statements', () => {
  const cases: Array<[string, unknown]> = [
    ['SHOW DATABASES', { kind: 'show-databases' }],
    ['SHOW RETENTION POLICIES ON db', { kind: 'show-retention-policies', database: 'db' }],
    ['SHOW MEASUREMENTS ON db WITH MEASUREMENT =~ /cpu.*/ LIMIT 2 OFFSET 1', { kind: 'show-measurements', database: 'db', source: { op: '=~', regex: 'cpu.*' }, limit: 2, offset: 1 }],
    ['SHOW TAG VALUES FROM cpu WITH KEY IN (host, region)', { kind: 'show-tag-values', sources: [{ kind: 'measurement', name: 'cpu' }], withKey: { op: 'IN', keys: ['host', 'region'] }, limit: 0, offset: 0 }],
    ['CREATE DATABASE x WITH DURATION 1h REPLICATION 1 SHARD DURATION 30m NAME rp', { kind: 'create-database', name: 'x', rpOptions: { durationNs: 3_600_000_000_000n, replicaN: 1, shardGroupDurationNs: 1_800_000_000_000n }, rpName: 'rp' }],
    ['CREATE RETENTION POLICY rp ON db DURATION INF REPLICATION 2 DEFAULT', { kind: 'create-retention-policy', name: 'rp', database: 'db', durationNs: 0n, replicaN: 2, makeDefault: true }],
    ['ALTER RETENTION POLICY rp ON db DURATION 2h DEFAULT', { kind: 'alter-retention-policy', name: 'rp', database: 'db', makeDefault: true, durationNs: 7_200_000_000_000n }],
    ['DROP MEASUREMENT "a b"', { kind: 'drop-measurement', name: 'a b' }],
    ["DROP SERIES FROM cpu WHERE host = 'a'", { kind: 'drop-series', sources: [{ kind: 'measurement', name: 'cpu' }], condition: { kind: 'binary', op: '=', lhs: { kind: 'var-ref', name: 'host' }, rhs: { kind: 'string', value: 'a' } } }],
    ['DELETE WHERE time < 0', { kind: 'delete', sources: [], condition: { kind: 'binary', op: '<', lhs: { kind: 'var-ref', name: 'time' }, rhs: { kind: 'integer', value: 0n } } }],
    ["CREATE USER u WITH PASSWORD 'p' WITH ALL PRIVILEGES", { kind: 'create-user', name: 'u', password: 'p', admin: true }],
    ['GRANT READ ON db TO u', { kind: 'grant', privilege: 'READ', on: 'db', user: 'u' }],
    ['REVOKE ALL FROM u', { kind: 'revoke-admin', user: 'u' }],
    ['KILL QUERY 12', { kind: 'kill-query', id: 12n }],
  ];
  for (const [query, expected] of cases) assert.deepEqual(parseQuery(query)[0], expected, query);
});

test('continuous query keeps its SELECT text', () => {
  const [stmt] = parseQuery('CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 1m FOR 1h BEGIN SELECT mean(v) INTO m2 FROM m GROUP BY time(1m) END');
  assert.ok(stmt?.kind === 'create-continuous-query');
  assert.equal(stmt.text, 'SELECT mean(v) INTO m2 FROM m GROUP BY time(1m)');
  assert.equal(stmt.resampleEveryNs, 60_000_000_000n);
});

test('INTO db.rp.:MEASUREMENT keeps the database and retention policy', () => {
  const statement = parseQuery('SELECT max(v) INTO db.rp.:MEASUREMENT FROM /^cpu$/ GROUP BY time(5m)')[0];
  assert.equal(statement?.kind, 'select');
  assert.deepEqual(statement?.kind === 'select' ? statement.target : undefined, { database: 'db', retentionPolicy: 'rp' });
});
