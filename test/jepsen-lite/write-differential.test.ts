// /write status codes and error bodies, HyperbyteDB vs InfluxDB 1.6.7, same requests in one run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';
import { influxdAvailable, startInfluxd, type InfluxdHandle } from '../support/influxd.js';

interface WriteCase {
  readonly name: string;
  /** Writes made first (their answers are compared too). */
  readonly setup?: readonly string[];
  /** InfluxQL run (POST) before the setup writes; `{db}` names the case's database. */
  readonly prepare?: string;
  readonly query?: string;
  readonly body: string | Buffer;
  readonly method?: 'POST' | 'GET' | 'PUT';
  readonly headers?: Record<string, string>;
  /** Compare the points stored afterwards with SELECT * FROM /.*\/. */
  readonly compareData?: boolean;
}

const cases: WriteCase[] = [
  { name: 'one good line', body: 'cpu,host=a value=1 1000000000', compareData: true },
  { name: 'every field type', body: 'm f=1.5,i=-3i,s="a \\"q\\" \\\\ b",b=true,t=T,F=FALSE 1', compareData: true },
  { name: 'escaped names', body: 'my\\ m\\,x,t\\ k=v\\=1\\,2 f\\=k=1 2', compareData: true },
  { name: 'blank lines and comments', body: '\n# comment\ncpu value=1 1\n\n   \ncpu value=2 2\n', compareData: true },
  { name: 'missing field value', body: 'cpu value=' },
  { name: 'missing fields', body: 'cpu' },
  { name: 'invalid field format', body: 'bad line' },
  { name: 'invalid boolean', body: 'cpu v=tru 1' },
  { name: 'unbalanced quotes', body: 'cpu v="abc 1' },
  { name: 'bad timestamp', body: 'cpu v=1 12a' },
  { name: 'integer out of range', body: 'cpu v=9223372036854775808i' },
  { name: 'partial write keeps good lines', body: 'cpu v=1 1\nbad line\ncpu v=2 2\ncpu v= 3', compareData: true },
  { name: 'two bad lines only', body: 'bad line\ncpu v=' },
  { name: 'conflict with existing field', setup: ['cpu v=1 1'], body: 'cpu v=2i 2\ncpu v=3 3\ncpu v=4i 4', compareData: true },
  { name: 'conflict within a new field of one batch', setup: ['cpu v=1 1'], body: 'cpu w=1 2\ncpu w=1i 3' },
  { name: 'field named time dropped silently', body: 'cpu v=1,time=2 1', compareData: true },
  { name: 'only a time field', body: 'cpu time=1 1' },
  { name: 'tag key time', body: 'cpu,time=x v=1 1' },
  { name: 'empty body', body: '' },
  { name: 'precision s', query: '&precision=s', body: 'cpu v=1 1', compareData: true },
  { name: 'precision ms', query: '&precision=ms', body: 'cpu v=1 1', compareData: true },
  { name: 'precision h', query: '&precision=h', body: 'cpu v=1 1', compareData: true },
  { name: 'unknown precision means ns', query: '&precision=xx', body: 'cpu v=1 1', compareData: true },
  { name: 'rp autogen explicit', query: '&rp=autogen', body: 'cpu v=1 1' },
  { name: 'unknown rp', query: '&rp=nope', body: 'cpu v=1 1' },
  { name: 'unknown database', query: '&db=nope', body: 'cpu v=1 1' },
  { name: 'gzip body', body: gzipSync('cpu v=1 1\ncpu v=2 2'), headers: { 'content-encoding': 'gzip' }, compareData: true },
  { name: 'wrong method', method: 'GET', body: '' },
  { name: 'duplicate points last write wins', body: 'cpu,host=a v=1,w=2 5\ncpu,host=a v=3 5', compareData: true },
  // Issue 13: what real clients met.
  { name: 'unsigned integer is an invalid number', body: 'cpu v=1u 1' },
  { name: 'unsigned next to good lines', body: 'cpu v=1 1\ncpu w=2u 2\ncpu a=1i,b=2u 3', compareData: true },
  { name: 'integer then float in one batch of a database with data', setup: ['other v=1 1'], body: 'cpu v=1i 1\ncpu v=2 2\ncpu v=3i 3', compareData: true },
  { name: 'float then integer in the first batch of a database', body: 'cpu v=1 1\nmem v=2 2\ncpu v=2i 3', compareData: true },
  { name: 'bogus consistency', query: '&consistency=bogus', body: 'cpu v=1 1' },
  { name: 'bogus consistency after a bad body', query: '&consistency=bogus', body: 'bad' },
  { name: 'consistency in capitals', query: '&consistency=ALL', body: 'cpu v=1 1', compareData: true },
  { name: 'default policy dropped', prepare: 'DROP RETENTION POLICY autogen ON {db}', body: 'cpu v=1 1' },
  { name: 'default policy dropped, bad line', prepare: 'DROP RETENTION POLICY autogen ON {db}', body: 'cpu v=' },
  { name: 'default policy dropped, some bad lines', prepare: 'DROP RETENTION POLICY autogen ON {db}', body: 'cpu v=1 1\ncpu v=' },
  { name: 'default policy dropped and created again', prepare: 'DROP RETENTION POLICY autogen ON {db}; CREATE RETENTION POLICY autogen ON {db} DURATION 0s REPLICATION 1', body: 'cpu v=1 1', compareData: true },
  { name: 'empty Content-Type (influx CLI)', headers: { 'content-type': '' }, body: 'cpu v=1 1', compareData: true },
  { name: 'Content-Type that is no media type', headers: { 'content-type': 'foo' }, body: 'cpu v=1 1', compareData: true },
  { name: 'PUT', method: 'PUT', body: 'cpu v=1 1' },
];

let ours: HyperbytedbHandle | undefined;
let influx: InfluxdHandle | undefined;
const oracle = influxdAvailable();

before(async () => {
  if (!oracle.available) return;
  // Both servers get the same body limit so 413 answers compare too.
  [ours, influx] = await Promise.all([startHyperbytedb(), startInfluxd()]);
});

after(async () => {
  await Promise.all([ours?.stop(), influx?.stop()]);
});

async function send(url: string, c: WriteCase, db: string): Promise<{ status: number; body: string }> {
  const extra = c.query ?? '';
  const target = extra.includes('&db=') ? `${url}/write?${extra.slice(1)}` : `${url}/write?db=${db}${extra}`;
  const res = await request(target, { method: c.method ?? 'POST', ...(c.method === 'GET' ? {} : { body: c.body }), ...(c.headers ? { headers: c.headers } : {}) });
  return { status: res.statusCode, body: (await res.body.text()).trim() };
}

async function dump(url: string, db: string): Promise<string> {
  const res = await request(`${url}/query?db=${db}&q=${encodeURIComponent('SELECT * FROM /.*/')}`);
  return (await res.body.text()).trim();
}

test('write answers match InfluxDB 1.6.7', { skip: oracle.available ? false : oracle.reason, timeout: 240_000 }, async () => {
  const mismatches: string[] = [];
  for (const [i, c] of cases.entries()) {
    const db = `w${i}`;
    const answers: Array<{ status: number; body: string; data: string; setup: string[] }> = [];
    for (const server of [ours!, influx!]) {
      await request(`${server.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${db}`)}`, { method: 'POST' }).then((r) => r.body.dump());
      if (c.prepare !== undefined) await request(`${server.url}/query?q=${encodeURIComponent(c.prepare.replaceAll('{db}', db))}`, { method: 'POST' }).then((r) => r.body.dump());
      const setup: string[] = [];
      for (const line of c.setup ?? []) setup.push(JSON.stringify(await send(server.url, { name: 'setup', body: line }, db)));
      const answer = await send(server.url, c, db);
      answers.push({ ...answer, setup, data: c.compareData ? await dump(server.url, db) : '' });
    }
    const [a, b] = answers as [(typeof answers)[0], (typeof answers)[0]];
    if (a.status !== b.status || a.body !== b.body || a.data !== b.data || a.setup.join() !== b.setup.join()) {
      mismatches.push(`${c.name}:\n  ours   ${a.status} ${a.body} ${a.data}\n  influx ${b.status} ${b.body} ${b.data}`);
    }
  }
  assert.deepEqual(mismatches, [], mismatches.join('\n'));
});
