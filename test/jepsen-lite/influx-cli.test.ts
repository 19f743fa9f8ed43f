// The real `influx` CLI (Debian's influxdb-client 1.6.7) against HyperbyteDB: -import of a file
// with DDL and DML, interactive-style `insert` through -execute, queries in every output format.
// Its writes carry an empty Content-Type header, which once lost every point. Where influxd is
// installed, every command's output must equal what the same command prints against InfluxDB 1.6.7.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';
import { influxdAvailable, startInfluxd, type InfluxdHandle } from '../support/influxd.js';
import { commandWorks, runCommand, skipUnless } from './support/real-clients.js';

const cliAvailable = commandWorks('influx', ['-version']);
const skip = skipUnless(cliAvailable, 'the influx CLI (influxdb-client)');
let ours: HyperbytedbHandle | undefined;
let oracle: InfluxdHandle | undefined;
let dir = '';

before(async () => {
  if (!cliAvailable) return;
  dir = await mkdtemp(join(tmpdir(), 'hb-influx-cli-'));
  [ours, oracle] = await Promise.all([startHyperbytedb(), influxdAvailable().available ? startInfluxd() : Promise.resolve(undefined)]);
});

after(async () => {
  await Promise.all([ours?.stop(), oracle?.stop()]);
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const portOf = (url: string): string => new URL(url).port;

/** Runs the CLI against ours and, when installed, against influxd; the outputs must be equal. */
async function cli(args: readonly string[]): Promise<string> {
  const run = async (url: string): Promise<string> => {
    const result = await runCommand('influx', ['-host', '127.0.0.1', '-port', portOf(url), ...args], { timeoutMs: 20_000 });
    // -import logs with a date prefix; keep only the message.
    return (result.stdout + result.stderr).replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /gm, '');
  };
  const got = await run(ours!.url);
  if (oracle !== undefined) assert.equal(got, await run(oracle.url), `influx ${args.join(' ')}: HyperbyteDB and InfluxDB 1.6.7 print differently`);
  return got;
}

test('influx -import writes every point of a DDL + DML file, in two retention policies', { skip, timeout: 60_000 }, async () => {
  const file = join(dir, 'import.txt');
  await writeFile(
    file,
    [
      '# DDL',
      'CREATE DATABASE imp',
      'CREATE RETENTION POLICY recent ON imp DURATION 1h REPLICATION 1',
      '# DML',
      '# CONTEXT-DATABASE: imp',
      '# CONTEXT-RETENTION-POLICY: autogen',
      'cpu,host=a usage=1.5,n=3i 1000000000',
      'cpu,host=b usage=2.5,n=4i 2000000000',
      'mem,host=a used=10i 3000000000',
      '# CONTEXT-RETENTION-POLICY: recent',
      'disk,dev=sda free=7i',
      '',
    ].join('\n'),
  );
  const imported = await cli(['-import', '-path', file, '-precision', 'ns']);
  assert.match(imported, /Processed 2 commands\nProcessed 4 inserts\nFailed 0 inserts\n/);
  assert.equal(
    await cli(['-database', 'imp', '-precision', 'rfc3339', '-execute', 'SELECT * FROM cpu']),
    'name: cpu\ntime                 host n usage\n----                 ---- - -----\n1970-01-01T00:00:01Z a    3 1.5\n1970-01-01T00:00:02Z b    4 2.5\n',
  );
  // SHOW sees every retention policy, as 1.6.7's per-database index does.
  assert.equal(await cli(['-database', 'imp', '-execute', 'SHOW SERIES']), 'key\n---\ncpu,host=a\ncpu,host=b\ndisk,dev=sda\nmem,host=a\n');
  assert.equal(await cli(['-database', 'imp', '-execute', 'SHOW MEASUREMENTS']), 'name: measurements\nname\n----\ncpu\ndisk\nmem\n');
});

test('insert through the CLI is stored; queries print as table, json and csv', { skip, timeout: 60_000 }, async () => {
  await cli(['-execute', 'CREATE DATABASE ins']);
  assert.equal(await cli(['-database', 'ins', '-execute', 'insert cpu,host=c usage=9 4000000000']), '');
  // 1.6.7 has no unsigned integers: the line is refused as an invalid number.
  assert.equal(await cli(['-database', 'ins', '-execute', 'INSERT cpu,host=d usage=1u 5000000000']), `ERR: {"error":"unable to parse 'cpu,host=d usage=1u 5000000000': invalid number"}\n\n`);
  assert.equal(
    await cli(['-database', 'ins', '-format', 'json', '-execute', 'SELECT count(usage) FROM cpu GROUP BY host']),
    '{"results":[{"series":[{"name":"cpu","tags":{"host":"c"},"columns":["time","count"],"values":[[0,1]]}]}]}\n',
  );
  assert.equal(await cli(['-database', 'ins', '-format', 'csv', '-execute', 'SELECT * FROM cpu']), 'name,time,host,usage\ncpu,4000000000,c,9\n');
  assert.match(await cli(['-database', 'ins', '-execute', 'SELECT * FROM']), /^ERR: error parsing query: found EOF, expected identifier at line 1, char 15\n/);
});
