import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResultsJson, formatResultsJsonPieces, goJsonFloat, goJsonString } from '../../../src/http/encode/json.js';
import { formatResultsChunked } from '../../../src/http/encode/chunked.js';
import { formatResultsCsv } from '../../../src/http/encode/csv.js';
import type { Series, StatementResult } from '../../../src/core/query/index.js';

test('floats print like Go encoding/json', () => {
  assert.equal(goJsonFloat(1), '1');
  assert.equal(goJsonFloat(1.5), '1.5');
  assert.equal(goJsonFloat(1e21), '1e+21');
  assert.equal(goJsonFloat(1e20), '100000000000000000000');
  assert.equal(goJsonFloat(1e-7), '1e-7');
  assert.equal(goJsonFloat(0.000001), '0.000001');
  assert.equal(goJsonFloat(-0), '-0');
});

test('strings escape like Go (HTML-safe)', () => {
  assert.equal(goJsonString('a<b>&"\\\n\b\f\u2028'), '"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\u0008\\u000c\\u2028"');
});

const results: StatementResult[] = [
  {
    statement_id: 0,
    series: [{ name: 'cpu', tags: { host: 'a', az: '' }, columns: ['time', 'value', 'n'], values: [[1_500_000_000n, 1.5, 9007199254740993n], [2_000_000_000n, null, 1n]] }],
  },
  { statement_id: 1 },
  { statement_id: 2, error: 'boom' },
];

test('JSON: key order, sorted tags, RFC3339Nano with trimmed zeros, exact integers', () => {
  assert.equal(
    formatResultsJson(results),
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"az":"","host":"a"},"columns":["time","value","n"],"values":[["1970-01-01T00:00:01.5Z",1.5,9007199254740993],["1970-01-01T00:00:02Z",null,1]]}]},{"statement_id":1},{"statement_id":2,"error":"boom"}]}',
  );
  assert.equal(formatResultsJson(results.slice(0, 1), { epoch: 'ms' }).includes('[[1500,1.5,'), true);
  assert.equal(formatResultsJson([]), '{}');
});

test('pretty JSON uses four-space indentation', () => {
  assert.equal(formatResultsJson([{ statement_id: 0 }], { pretty: true }), '{\n    "results": [\n        {\n            "statement_id": 0\n        }\n    ]\n}');
});

test('pretty JSON indents every row and cell like Go\'s MarshalIndent', () => {
  const series: Series = { name: 'cpu', columns: ['time', 'v'], values: [[1n, 1.5], [2n, null], []] };
  const lines = [
    '{', '    "results": [', '        {', '            "statement_id": 0,', '            "series": [', '                {',
    '                    "name": "cpu",', '                    "columns": [', '                        "time",', '                        "v"', '                    ],',
    '                    "values": [', '                        [', '                            1,', '                            1.5', '                        ],',
    '                        [', '                            2,', '                            null', '                        ],', '                        []',
    '                    ]', '                }', '            ]', '        }', '    ]', '}',
  ];
  assert.equal(formatResultsJson([{ statement_id: 0, series: [series] }], { pretty: true, epoch: 'ns' }), lines.join('\n'));
});

test('JSON of many rows equals the row-by-row encoding', () => {
  const values = Array.from({ length: 20_000 }, (_, i) => [BigInt(i) * 1_000_000_000n + BigInt(i % 3), i % 5 === 0 ? null : i / 8, 'a<b', i % 2 === 0]);
  const text = formatResultsJson([{ statement_id: 0, series: [{ name: 'm', columns: ['time', 'f', 's', 'b'], values }] }]);
  const parsed = JSON.parse(text) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
  const out = parsed.results[0]?.series[0]?.values ?? [];
  assert.equal(out.length, values.length);
  assert.deepEqual(out[3], ['1970-01-01T00:00:03Z', 3 / 8, 'a<b', false]);
  assert.deepEqual(out[19_999], ['1970-01-01T05:33:19.000000001Z', 19_999 / 8, 'a<b', false]);
  assert.ok(text.includes('"a\\u003cb"'));
});

test('the streamed JSON pieces join to the whole text, compact and pretty, across piece boundaries', () => {
  // Every third row empty, as a row of no cells prints.
  const rows = (n: number): unknown[][] => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? [] : [BigInt(i) * 1_000_000_000n, i % 7 === 0 ? null : i / 4, 'x']));
  const many: StatementResult[] = [
    { statement_id: 0, series: [{ name: 'a', tags: { '1': 'one', b: 'two' }, columns: ['time', 'v', 's'], values: rows(2_500) }, { name: 'b', columns: ['time', 'v', 's'], values: rows(1_024) }] },
    { statement_id: 1, messages: [{ level: 'warning', text: 'w<' }] },
    { statement_id: 2, series: [{ name: 'c', columns: ['name'], values: [] }], partial: true },
    ...results,
  ];
  for (const options of [{}, { pretty: true }, { epoch: 'ms' as const }]) {
    const pieces = [...formatResultsJsonPieces(many, options)];
    assert.ok(pieces.length > 3);
    assert.equal(pieces.join(''), formatResultsJson(many, options));
  }
  assert.equal(formatResultsJson(many.slice(0, 1)).startsWith('{"results":[{"statement_id":0,"series":[{"name":"a","tags":{"1":"one","b":"two"},"columns":["time","v","s"],"values":[[]'), true);
});

test('series sharing a time print it each in their own zone', () => {
  const at = 1_700_000_000_000_000_000n;
  const series: Series[] = [
    { name: 'a', columns: ['time', 'v'], values: [[at, 1]] },
    { name: 'b', columns: ['time', 'v'], values: [[at, 2]], timeZone: 'Europe/Paris' },
    { name: 'c', columns: ['time', 'v'], values: [[at, 3], [at + 1n, 4]] },
    { name: 'd', columns: ['name', 'v'], values: [[at, 5]] },
  ];
  const text = formatResultsJson([{ statement_id: 0, series }]);
  assert.ok(text.includes('"values":[["2023-11-14T22:13:20Z",1]]'));
  assert.ok(text.includes('"values":[["2023-11-14T23:13:20+01:00",2]]'));
  assert.ok(text.includes('"values":[["2023-11-14T22:13:20Z",3],["2023-11-14T22:13:20.000000001Z",4]]'));
  assert.ok(text.includes('"values":[[1700000000000000000,5]]'));
});

test('CSV: name,tags,columns with ns times', () => {
  assert.equal(formatResultsCsv(results.slice(0, 2)), 'name,tags,time,value,n\ncpu,host=a,1500000000,1.5,9007199254740993\ncpu,host=a,2000000000,,1\n');
});

test('chunked output splits series and marks partial like 1.x', () => {
  const lines = formatResultsChunked(
    [
      { statement_id: 0, series: [{ name: 'cpu', tags: { host: 'a' }, columns: ['time', 'v'], values: [[1n, 1], [2n, 2], [3n, 3]] }, { name: 'cpu', tags: { host: 'b' }, columns: ['time', 'v'], values: [[1n, 1]] }] },
      { statement_id: 1 },
    ],
    { chunkSize: 2, epoch: 'ns' },
  );
  assert.deepEqual(lines, [
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}\n',
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[3,3]]}],"partial":true}]}\n',
    '{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"b"},"columns":["time","v"],"values":[[1,1]]}]}]}\n',
    '{"results":[{"statement_id":1}]}\n',
  ]);
});

test('CSV: every statement starts with its own header after a blank line', () => {
  const count = (name: string, n: bigint): Series[] => [{ name, columns: ['time', 'count'], values: [[0n, n]] }];
  const body = formatResultsCsv([
    { statement_id: 0, series: count('cpu', 2895n) },
    { statement_id: 1, series: count('mem', 720n) },
  ]);
  assert.equal(body, 'name,tags,time,count\ncpu,,0,2895\n\nname,tags,time,count\nmem,,0,720\n');
});

test('chunked output sends a non-SELECT result whole', () => {
  const values = [['host', 'a'], ['host', 'b'], ['host', 'c']];
  const chunks = formatResultsChunked([{ statement_id: 0, series: [{ name: 'cpu', columns: ['key', 'value'], values }], unchunked: true }], { chunkSize: 2 });
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0], '{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["key","value"],"values":[["host","a"],["host","b"],["host","c"]]}]}]}\n');
});
