// The wire encoders against bytes InfluxDB 1.6.7 sent: MessagePack (recorded with
// `curl -H 'Accept: application/x-msgpack' | xxd -p`), CSV float and quoting rules, chunk cutting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatementResult } from '../../../src/core/query/index.js';
import { formatErrorMsgpack, formatResultsMsgpack, formatResultsMsgpackPieces } from '../../../src/http/encode/msgpack.js';
import { csvField, formatErrorCsv, formatResultsCsv, goFloatFixed } from '../../../src/http/encode/csv.js';
import { chunkResults } from '../../../src/http/encode/chunked.js';
import { responseFormat } from '../../../src/http/encode/response-format.js';

// Written to 1.6.7: m,t=x f=1,i=-2i,s="é",b=true 1000000001 / m,t=y f=0.5,i=300i 2000000000
const groupedByTag: StatementResult[] = [
  {
    statement_id: 0,
    series: [
      { name: 'm', tags: { t: 'x' }, columns: ['time', 'b', 'f', 'i', 's'], values: [[1_000_000_001n, true, 1, -2n, 'é']] },
      { name: 'm', tags: { t: 'y' }, columns: ['time', 'b', 'f', 'i', 's'], values: [[2_000_000_000n, null, 0.5, 300n, null]] },
    ],
  },
];

test('MessagePack answers are byte for byte what 1.6.7 sends', () => {
  assert.equal(
    formatResultsMsgpack(groupedByTag).toString('hex'),
    '81a7726573756c74739182ac73746174656d656e745f696400a67365726965739284a46e616d65a16da47461677381a174a178a7636f6c756d6e7395a474696d65a162a166a169a173a676616c7565739195c70c05000000000000000100000001c3cb3ff0000000000000fea2c3a984a46e616d65a16da47461677381a174a179a7636f6c756d6e7395a474696d65a162a166a169a173a676616c7565739195c70c05000000000000000200000000c0cb3fe0000000000000d1012cc0',
  );
  const countThenError: StatementResult[] = [
    { statement_id: 0, series: [{ name: 'm', columns: ['time', 'count'], values: [[0n, 2n]] }] },
    { statement_id: 1, error: 'undefined function nope()' },
  ];
  assert.equal(
    formatResultsMsgpack(countThenError).toString('hex'),
    '81a7726573756c74739282ac73746174656d656e745f696400a67365726965739183a46e616d65a16da7636f6c756d6e7392a474696d65a5636f756e74a676616c7565739192c70c050000000000000000000000000281a56572726f72b9756e646566696e65642066756e6374696f6e206e6f70652829',
  );
  const epochMs: StatementResult[] = [{ statement_id: 0, series: [{ name: 'm', columns: ['time', 'i'], values: [[1_000_000_001n, -2n], [2_000_000_000n, 300n]] }] }];
  assert.equal(
    formatResultsMsgpack(epochMs, { epoch: 'ms' }).toString('hex'),
    '81a7726573756c74739182ac73746174656d656e745f696400a67365726965739183a46e616d65a16da7636f6c756d6e7392a474696d65a169a676616c7565739292d103e8fe92d107d0d1012c',
  );
});

test('chunked MessagePack is one map per chunk, as 1.6.7 streams it', () => {
  const series: StatementResult[] = [{ statement_id: 0, series: [{ name: 'm', columns: ['time', 'f'], values: [[1_000_000_001n, 1], [2_000_000_000n, 0.5]] }] }];
  const bytes = Buffer.concat([...chunkResults(series, 1)].map((chunk) => formatResultsMsgpack([chunk])));
  assert.equal(
    bytes.toString('hex'),
    '81a7726573756c74739183ac73746174656d656e745f696400a67365726965739184a46e616d65a16da7636f6c756d6e7392a474696d65a166a676616c7565739192c70c05000000000000000100000001cb3ff0000000000000a77061727469616cc3a77061727469616cc381a7726573756c74739182ac73746174656d656e745f696400a67365726965739183a46e616d65a16da7636f6c756d6e7392a474696d65a166a676616c7565739192c70c05000000000000000200000000cb3fe0000000000000',
  );
});

test('MessagePack: integers in every width, negative times, long strings, pieces join to the whole', () => {
  const values = [0n, 127n, 128n, -32n, -33n, -128n, -129n, 32767n, 32768n, -32769n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 63n - 1n, 2n ** 64n - 1n];
  const results: StatementResult[] = [{ statement_id: 0, series: [{ name: 'w', columns: ['time', 'v', 's'], values: values.map((v, i) => [BigInt(-i) * 1_500_000_000n, v, 'x'.repeat(i * 5000)]) }] }];
  const whole = formatResultsMsgpack(results);
  assert.deepEqual(Buffer.concat([...formatResultsMsgpackPieces(results)]), whole);
  const hex = whole.toString('hex');
  for (const encoded of ['00', '7f', 'd10080', 'e0', 'd0df', 'd080', 'd1ff7f', 'd17fff', 'd200008000', 'd2ffff7fff', 'd30000000080000000', 'd37fffffffffffffff', 'cfffffffffffffffff']) {
    assert.ok(hex.includes(encoded), `integer encoding ${encoded}`);
  }
  // -1.5 s: seconds floor to -2, nanoseconds 500000000.
  assert.ok(hex.includes('c70c05fffffffffffffffe1dcd6500'));
  assert.equal(formatErrorMsgpack('boom').toString('hex'), '81a56572726f72a4626f6f6d');
});

test('CSV floats never use an exponent; fields quote like Go encoding/csv', () => {
  assert.equal(goFloatFixed(1e21), '1000000000000000000000');
  assert.equal(goFloatFixed(1e-7), '0.0000001');
  assert.equal(goFloatFixed(-1.25e-8), '-0.0000000125');
  assert.equal(goFloatFixed(1.5e300).length, 301);
  assert.equal(goFloatFixed(0.1), '0.1');
  assert.equal(goFloatFixed(-0), '-0');
  assert.equal(goFloatFixed(Number.NaN), 'NaN');
  assert.equal(goFloatFixed(Number.NEGATIVE_INFINITY), '-Inf');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField(' lead'), '" lead"');
  assert.equal(csvField('\u00a0nbsp'), '"\u00a0nbsp"');
  assert.equal(csvField('\\.'), '"\\."');
  assert.equal(csvField('plain'), 'plain');
  assert.equal(formatErrorCsv('bad, "x"'), 'error\n"bad, ""x"""\n');
});

test('CSV: a header per statement and per change of columns; tags as an escaped series key; errors and empty results print nothing', () => {
  const results: StatementResult[] = [
    { statement_id: 0, series: [{ name: 'cpu', tags: { 'host name': 'a,b', empty: '', z: 'x=y' }, columns: ['time', 'v'], values: [[3_000_000_000n, 1e21]] }] },
    { statement_id: 1 },
    { statement_id: 2, error: 'boom' },
    {
      statement_id: 3,
      series: [
        { name: 'databases', columns: ['name'], values: [['d']] },
        { name: 'x', columns: ['a', 'b'], values: [[true, null]] },
      ],
    },
  ];
  assert.equal(
    formatResultsCsv(results, { epoch: 's' }),
    'name,tags,time,v\ncpu,"host\\ name=a\\,b,z=x\\=y",3,1000000000000000000000\n\nname,tags,name\ndatabases,,d\n\nname,tags,a,b\nx,,true,\n',
  );
  assert.equal(formatResultsCsv([{ statement_id: 0 }]), '');
});

test('the Accept header is compared whole, as 1.x does', () => {
  assert.equal(responseFormat('application/csv'), 'csv');
  assert.equal(responseFormat('text/csv'), 'csv');
  assert.equal(responseFormat('application/x-msgpack'), 'msgpack');
  assert.equal(responseFormat('application/csv, text/plain'), 'json');
  assert.equal(responseFormat('text/csv;q=0.9'), 'json');
  assert.equal(responseFormat(undefined), 'json');
  assert.equal(responseFormat('*/*'), 'json');
});
