// The real server in a child process with small query bounds: a read too large for
// query.max_result_size, or a fill past query.max_select_buckets, is a statement error and the
// server keeps answering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { hyperbytedbAvailable, startHyperbytedb } from '../support/hyperbytedb-server.js';

const availability = hyperbytedbAvailable();

async function query(url: string, q: string): Promise<{ status: number; body: string }> {
  const res = await request(`${url}/query?db=b&q=${encodeURIComponent(q)}`);
  return { status: res.statusCode, body: await res.body.text() };
}

test('queries past the configured result size and bucket bounds fail cleanly', { skip: availability.available ? false : availability.reason, timeout: 60_000 }, async () => {
  const server = await startHyperbytedb({ env: { HYPERBYTEDB__QUERY__MAX_RESULT_SIZE: '64KiB', HYPERBYTEDB__QUERY__MAX_SELECT_BUCKETS: '1000' } });
  try {
    await request(`${server.url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
    const lines = Array.from({ length: 5000 }, (_, i) => `m,host=h${i % 10} v=${i},s="${'x'.repeat(40)}" ${i * 1_000_000_000}`);
    const write = await request(`${server.url}/write?db=b`, { method: 'POST', body: lines.join('\n') });
    assert.equal(write.statusCode, 204);
    await write.body.dump();

    const tooLarge = await query(server.url, 'SELECT * FROM m');
    assert.equal(tooLarge.status, 200);
    assert.match(tooLarge.body, /"error":"max-result-size limit exceeded: the result is larger than 65536 bytes/);

    const small = await query(server.url, "SELECT v FROM m WHERE host = 'h1' LIMIT 3");
    assert.equal(small.body, '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[["1970-01-01T00:00:01Z",1],["1970-01-01T00:00:11Z",11],["1970-01-01T00:00:21Z",21]]}]}]}\n');

    const buckets = await query(server.url, 'SELECT count(v) FROM m WHERE time >= 0 AND time < 5000s GROUP BY time(1s), host fill(0)');
    assert.match(buckets.body, /"error":"max-select-buckets limit exceeded: \(\d+\/1000\)"/);

    const count = await query(server.url, 'SELECT count(v) FROM m');
    assert.match(count.body, /"values":\[\["1970-01-01T00:00:00Z",5000\]\]/);
  } finally {
    await server.stop();
  }
});

test('a large answer is streamed whole: chunked transfer, every row, the same rows as smaller answers', { skip: availability.available ? false : availability.reason, timeout: 120_000 }, async () => {
  const server = await startHyperbytedb();
  try {
    await request(`${server.url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
    const total = 30_000;
    const lines = Array.from({ length: total }, (_, i) => `big,host=h${i % 3} v=${i},s="é\\"${i}" ${i * 1_000_000_000}`);
    const write = await request(`${server.url}/write?db=b`, { method: 'POST', body: lines.join('\n') });
    assert.equal(write.statusCode, 204);
    await write.body.dump();

    for (const extra of ['', '&pretty=true', '&epoch=ms', '&chunked=true&chunk_size=7000']) {
      const res = await request(`${server.url}/query?db=b${extra}&q=${encodeURIComponent('SELECT v, s, host FROM big')}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['transfer-encoding'], 'chunked', extra);
      assert.equal(res.headers['content-length'], undefined);
      const text = await res.body.text();
      assert.ok(text.endsWith('\n'), extra);
      type Doc = { results: Array<{ series: Array<{ values: unknown[][] }> }> };
      const values = extra.includes('chunked')
        ? text.trimEnd().split('\n').flatMap((line) => (JSON.parse(line) as Doc).results[0]!.series[0]!.values)
        : (JSON.parse(text) as Doc).results[0]!.series[0]!.values;
      assert.equal(values.length, total, extra);
      // Below the streaming threshold the same rows come as one string: they must agree.
      const small = await request(`${server.url}/query?db=b${extra.includes('chunked') ? '' : extra}&q=${encodeURIComponent('SELECT v, s, host FROM big LIMIT 5000')}`);
      assert.equal(small.headers['transfer-encoding'], undefined);
      assert.deepEqual(values.slice(0, 5000), JSON.parse(await small.body.text()).results[0].series[0].values, extra);
    }
    const csv = await request(`${server.url}/query?db=b&q=${encodeURIComponent('SELECT v, s, host FROM big')}`, { headers: { accept: 'application/csv' } });
    assert.equal(csv.headers['transfer-encoding'], 'chunked');
    const csvLines = (await csv.body.text()).split('\n');
    assert.equal(csvLines.length, total + 2, 'a header, every row, and the final newline');
    assert.equal(csvLines[0], 'name,tags,time,v,s,host');
    assert.equal(csvLines[1], 'big,,0,0,"é""0",h0');
    assert.equal(csvLines[total + 1], '');
    const ping = await request(`${server.url}/ping`);
    assert.equal(ping.statusCode, 204);
    await ping.body.dump();
  } finally {
    await server.stop();
  }
});
