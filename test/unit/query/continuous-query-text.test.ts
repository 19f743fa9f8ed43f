// CREATE CONTINUOUS QUERY: parse errors and the canonical text 1.6.7 stores (texts recorded from
// influxd 1.6.7, see test/query-corpus/98-continuous-queries.txt), which must parse back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { continuousQueryText } from '../../../src/core/query/language/continuous-query-text.js';
import { goFloatText } from '../../../src/core/query/language/statement-string.js';
import { quoteIdentSegments } from '../../../src/core/query/language/parser-base.js';
import type { StatementOf } from '../../../src/core/query/language/ast.js';

function cq(text: string): StatementOf<'create-continuous-query'> {
  const [statement] = parseQuery(text);
  assert.equal(statement?.kind, 'create-continuous-query');
  return statement as StatementOf<'create-continuous-query'>;
}

const recorded = [
  'CREATE CONTINUOUS QUERY cq1 ON cqdb BEGIN SELECT mean(v) INTO cqdb.autogen.m1 FROM cqdb.autogen.cpu GROUP BY time(1m) END',
  'CREATE CONTINUOUS QUERY "cq 2" ON cqdb RESAMPLE EVERY 30s FOR 5m BEGIN SELECT mean(v) AS mv, max(v) INTO cqdb_other.autogen.:MEASUREMENT FROM cqdb.autogen./cp.*/ WHERE host = \'a\' AND v > 1.500 GROUP BY time(1m, 15s), * fill(0) END',
  "CREATE CONTINUOUS QUERY cq4 ON cqdb RESAMPLE FOR 2h BEGIN SELECT sum(v) * 2 INTO cqdb.autogen.m4 FROM cqdb.rp1.cpu WHERE time > now() - 1h GROUP BY time(10m) fill(previous) LIMIT 5 TZ('America/New_York') END",
  'CREATE CONTINUOUS QUERY cq15 ON cqdb BEGIN SELECT mean(v) INTO cqdb.autogen.m FROM (SELECT v FROM cqdb.autogen.cpu) GROUP BY time(1m) END',
  'CREATE CONTINUOUS QUERY cq16 ON cqdb BEGIN SELECT mean(v), percentile(v, 95), derivative(mean(v), 1s) INTO cqdb.autogen.m FROM cqdb.autogen.cpu WHERE host =~ /a.b/ OR host != \'x y\' GROUP BY time(1h), "host name" fill(-1.5) ORDER BY time DESC SLIMIT 2 END',
  "CREATE CONTINUOUS QUERY cq18 ON cqdb BEGIN SELECT mean(v::float) + 1.000 INTO cqdb.autogen.m FROM cqdb.autogen.cpu WHERE time >= '2020-01-01T00:00:00Z' GROUP BY time(1d, -1h) END",
  'CREATE CONTINUOUS QUERY "select" ON cqdb_other BEGIN SELECT max(v) INTO cqdb.rp1."into" FROM cqdb_other.autogen."from" GROUP BY time(1h) fill(100) END',
];

test('the canonical text of a qualified continuous query is what 1.6.7 stores, and parses back to itself', () => {
  for (const text of recorded) assert.equal(continuousQueryText(cq(text)), text);
});

test('an aggregate without GROUP BY time() is a parse error naming the last token of the SELECT', () => {
  assert.throws(() => parseQuery('CREATE CONTINUOUS QUERY cq6 ON d BEGIN SELECT mean(v) INTO m6 FROM cpu END'), {
    message: 'error parsing query: found cpu, expected GROUP BY time(...) at line 1, char 68',
  });
  assert.throws(() => parseQuery('CREATE CONTINUOUS QUERY cq7 ON d BEGIN SELECT mean(v) INTO m7 FROM cpu GROUP BY host END'), {
    message: 'error parsing query: found host, expected GROUP BY time(...) at line 1, char 81',
  });
  assert.doesNotThrow(() => cq('CREATE CONTINUOUS QUERY cq5 ON d BEGIN SELECT v INTO m5 FROM cpu END'), 'a raw query is accepted (it fails when it runs)');
});

test('RESAMPLE FOR must cover the interval and EVERY; RESAMPLE needs one of them', () => {
  assert.throws(() => parseQuery('CREATE CONTINUOUS QUERY c ON d RESAMPLE FOR 30s BEGIN SELECT mean(v) INTO m FROM cpu GROUP BY time(1m) END'), {
    message: 'error parsing query: FOR duration must be >= GROUP BY time duration: must be a minimum of 1m, got 30s',
  });
  assert.throws(() => parseQuery('CREATE CONTINUOUS QUERY c ON d RESAMPLE EVERY 5m FOR 2m BEGIN SELECT mean(v) INTO m FROM cpu GROUP BY time(1m) END'), {
    message: 'error parsing query: FOR duration must be >= GROUP BY time duration: must be a minimum of 5m, got 2m',
  });
  assert.throws(() => parseQuery('CREATE CONTINUOUS QUERY c ON d RESAMPLE BEGIN SELECT mean(v) INTO m FROM cpu GROUP BY time(1m) END'), {
    message: 'error parsing query: found BEGIN, expected EVERY, FOR at line 1, char 41',
  });
});

test('identifiers are quoted when they are keywords (any case) or not ASCII identifiers; floats print as Go %v', () => {
  assert.deepEqual(['cpu', '_a1', 'µs', 'select', 'Into', 'host name', '1a', 'a"b'].map((name) => quoteIdentSegments([name])), ['cpu', '_a1', '"µs"', '"select"', '"Into"', '"host name"', '"1a"', '"a\\"b"']);
  assert.deepEqual([1.5, -1.5, 100, 1e6, 0.00001, 123456.5].map(goFloatText), ['1.5', '-1.5', '100', '1e+06', '1e-05', '123456.5']);
});
