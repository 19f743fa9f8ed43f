// /metrics of the real server passes `promtool check metrics` (Debian package prometheus).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'undici';
import { startHyperbytedb } from '../support/hyperbytedb-server.js';

function promtoolAvailable(): boolean {
  if (spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0) return true;
  if (process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', 'prometheus'], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

test('promtool check metrics reports nothing', { skip: promtoolAvailable() ? false : 'promtool is not installed', timeout: 120_000 }, async () => {
  const server = await startHyperbytedb();
  try {
    await request(`${server.url}/query?q=${encodeURIComponent('CREATE DATABASE m')}`, { method: 'POST' }).then((r) => r.body.dump());
    await request(`${server.url}/write?db=m`, { method: 'POST', body: 'cpu v=1' }).then((r) => r.body.dump());
    const res = await request(`${server.url}/metrics`);
    const body = await res.body.text();
    assert.match(body, /^hyperbytedb_write_requests_total 1$/m);
    assert.match(body, /^process_cpu_user_seconds_total/m);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal((check.stdout + check.stderr).trim(), '');
  } finally {
    await server.stop();
  }
});
