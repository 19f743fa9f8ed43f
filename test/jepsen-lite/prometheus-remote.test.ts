// A real Prometheus (Debian's prometheus) keeps its data in HyperbyteDB: one instance scrapes its
// own /metrics every second and remote-writes to /api/v1/prom/write; a second one, with nothing
// stored locally, answers PromQL through remote read from /api/v1/prom/read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';
import { freePort } from '../support/free-port.js';
import { commandWorks, skipUnless, waitFor } from './support/real-clients.js';

const available = commandWorks('prometheus', ['--version']);

interface Prometheus {
  readonly url: string;
  stop(): Promise<void>;
}

async function startPrometheus(dir: string, name: string, config: (port: number) => string): Promise<Prometheus> {
  const port = await freePort();
  const configPath = join(dir, `${name}.yml`);
  await writeFile(configPath, config(port));
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, `${name}-data`)}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (log = (log + c).slice(-8_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(`prometheus ${name} to be ready (${log})`, async () => ((await request(`${url}/-/ready`)).statusCode === 200 ? true : undefined), 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

async function influxql(url: string, q: string): Promise<string> {
  const res = await request(`${url}/query?db=prometheus&q=${encodeURIComponent(q)}`);
  return res.body.text();
}

test('Prometheus remote-writes its samples here and reads them back through remote read', { skip: skipUnless(available, 'prometheus'), timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hb-prometheus-'));
  const ours = await startHyperbytedb();
  const started: Prometheus[] = [];
  try {
    await request(`${ours.url}/query?q=${encodeURIComponent('CREATE DATABASE prometheus')}`, { method: 'POST' }).then((r) => r.body.dump());
    const writer = await startPrometheus(dir, 'writer', (port) =>
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: self, static_configs: [ { targets: ['127.0.0.1:${port}'] } ] }`,
        'remote_write:',
        `  - url: ${ours.url}/api/v1/prom/write?db=prometheus`,
        '    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }',
        // A few metrics, not Prometheus's hundreds: each new measurement is a table to create.
        "    write_relabel_configs: [ { source_labels: [__name__], regex: 'up|prometheus_build_info|scrape_samples_scraped', action: keep } ]",
        '',
      ].join('\n'),
    );
    started.push(writer);
    // The writer's own `up` series arrives as measurement up, its labels as tags, field value.
    const written = await waitFor(
      'remote-written samples of up{job="self"}',
      async () => {
        const body = await influxql(ours.url, `SELECT count(value) FROM up WHERE job = 'self'`);
        return /"count"\],"values":\[\["1970-01-01T00:00:00Z",[1-9]/.test(body) ? body : undefined;
      },
      45_000,
    );
    assert.match(written, /"name":"up"/);
    assert.match(await influxql(ours.url, 'SHOW TAG KEYS FROM up'), /\["__name__"\],\["instance"\],\["job"\]/);
    assert.match(await influxql(ours.url, 'SHOW FIELD KEYS FROM up'), /\["value","float"\]/);
    const reader = await startPrometheus(dir, 'reader', () =>
      ['global: { scrape_interval: 1h }', 'remote_read:', `  - url: ${ours.url}/api/v1/prom/read?db=prometheus`, '    read_recent: true', ''].join('\n'),
    );
    started.push(reader);
    const result = await waitFor(
      'PromQL up{job="self"} through remote read',
      async () => {
        const res = await request(`${reader.url}/api/v1/query?query=${encodeURIComponent('up{job="self"}')}`);
        const body = (await res.body.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
        return body.status === 'success' && body.data.result.length > 0 ? body.data.result : undefined;
      },
      20_000,
    );
    assert.equal(result.length, 1);
    assert.deepEqual(result[0]!.metric, { __name__: 'up', instance: result[0]!.metric['instance'], job: 'self' });
    assert.equal(result[0]!.value[1], '1');
    // A range query and a matcher on the name: remote read answers samples over time.
    const range = await request(`${reader.url}/api/v1/query?query=${encodeURIComponent('count_over_time({__name__=~"prometheus_build_info|up", job="self"}[1m])')}`);
    const rangeBody = (await range.body.json()) as { data: { result: Array<{ metric: Record<string, string> }> } };
    assert.deepEqual(rangeBody.data.result.map((r) => r.metric['job']).sort(), ['self', 'self']);
  } finally {
    for (const p of started.reverse()) await p.stop();
    await ours.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
