// Hardening: a full disk. On a small loop-mounted ext4 filesystem (root only): writes fail with a
// clear error once the disk is full, reads keep answering, and once space is freed writes succeed
// again by themselves (no restart); every acknowledged point is stored in the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHyperbytedb, type HyperbytedbHandle } from '../support/hyperbytedb-server.js';

const IMAGE_MB = 160;

function loopMountAvailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a loop filesystem';
  for (const tool of ['mkfs.ext4', 'mount', 'umount', 'fallocate']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  // A sandbox may forbid loop devices even to root: try a tiny one.
  const probe = mkdtempSync(join(tmpdir(), 'hb-loop-probe-'));
  try {
    execFileSync('sh', ['-c', `dd if=/dev/zero of=${probe}/img bs=1M count=8 status=none && mkfs.ext4 -q -F ${probe}/img && mkdir ${probe}/m && mount -o loop ${probe}/img ${probe}/m && umount ${probe}/m`], { stdio: 'ignore' });
    return null;
  } catch {
    return 'loop filesystems cannot be mounted here';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

function freeBytes(path: string): number {
  const stats = statfsSync(path);
  return stats.bavail * stats.bsize;
}

async function write(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await request(`${url}/write?db=full`, { method: 'POST', body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return { status: res.statusCode, text: await res.body.text() };
}

async function count(url: string): Promise<number> {
  const res = await request(`${url}/query?db=full&q=${encodeURIComponent('SELECT count(v) FROM m')}`, { headersTimeout: 60_000, bodyTimeout: 60_000 });
  assert.equal(res.statusCode, 200);
  const json = (await res.body.json()) as { results: Array<{ series?: Array<{ values: Array<[string, number]> }>; error?: string }> };
  assert.equal(json.results[0]?.error, undefined, `the read answers: ${JSON.stringify(json)}`);
  return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

function batch(start: number, points: number): string {
  const lines: string[] = [];
  // Random padding: LevelDB and ClickHouse both compress, and a repeated pad shrank to almost
  // nothing, so on a fast machine the flush kept the disk from ever filling.
  for (let i = start; i < start + points; i++) lines.push(`m,host=h${i % 20} v=${i},pad="${randomBytes(150).toString('base64')}" ${1_600_000_000_000_000_000n + BigInt(i) * 1_000_000n}`);
  return lines.join('\n');
}

const skip = loopMountAvailable();

test('a full disk fails writes clearly, keeps reads, and writes resume by themselves once space returns', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'hb-diskfull-'));
  const image = join(work, 'disk.img');
  const mnt = join(work, 'mnt');
  execFileSync('mkdir', ['-p', mnt]);
  execFileSync('dd', ['if=/dev/zero', `of=${image}`, 'bs=1M', `count=${IMAGE_MB}`, 'status=none']);
  // -m 0: no blocks reserved for root (the test runs as root, which may use them).
  execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
  execFileSync('mount', ['-o', 'loop', image, mnt]);
  const dataDir = join(mnt, 'data');
  const filler = join(mnt, 'filler');
  let server: HyperbytedbHandle | null = null;
  try {
    server = await startHyperbytedb({ dataDir, env: { HYPERBYTEDB__FLUSH__INTERVAL_SECS: '1' } });
    assert.equal((await request(`${server.url}/query?q=${encodeURIComponent('CREATE DATABASE full')}`, { method: 'POST' })).statusCode, 200);
    let acked = 0;
    let next = 0;
    const send = async (): Promise<{ status: number; text: string }> => {
      const result = await write(server!.url, batch(next, 200));
      if (result.status === 204) acked += 200;
      next += 200;
      return result;
    };
    for (let i = 0; i < 5; i++) assert.equal((await send()).status, 204);
    assert.equal(await count(server.url), acked);

    // Leave a few MB, then write until the disk refuses.
    execFileSync('fallocate', ['-l', String(Math.max(0, freeBytes(mnt) - 4 * 1024 * 1024)), filler]);
    let refused: { status: number; text: string } | null = null;
    for (let i = 0; i < 400 && refused === null; i++) {
      const result = await send();
      if (result.status !== 204) refused = result;
    }
    assert.ok(refused, 'the disk filled up');
    assert.ok(refused.status === 503 || refused.status === 500, `a server error, got ${refused.status}`);
    assert.match(refused.text, /no space left on device|not enough space|cannot reserve/i, 'the error says why');
    assert.doesNotMatch(refused.text, /\/(tmp|work|mnt)\b|node_modules|at [A-Za-z]+ \(/, 'no internal paths or stack traces');

    // Reads keep answering while the disk is full (what is stored, at least).
    const duringFull = await count(server.url);
    assert.ok(duringFull > 0 && duringFull <= acked);
    assert.equal((await request(`${server.url}/ping`)).statusCode, 204);

    // Space comes back: writes succeed again without a restart.
    rmSync(filler);
    const deadline = Date.now() + 90_000;
    let resumed = false;
    while (!resumed && Date.now() < deadline) {
      const result = await send();
      resumed = result.status === 204;
      if (!resumed) await new Promise((r) => setTimeout(r, 1000));
    }
    assert.ok(resumed, 'writes resumed by themselves once space returned');
    process.stdout.write(`disk full: refused with ${refused.status} ${refused.text.trim()}; writes resumed ${Math.round((Date.now() - deadline + 90_000) / 1000)} s after space returned\n`);
    for (let i = 0; i < 3; i++) assert.equal((await send()).status, 204);
    assert.equal(await count(server.url), acked, 'every acknowledged point is stored, none twice');
    assert.equal(server.exited(), false);
  } finally {
    await server?.kill('SIGKILL');
    try {
      execFileSync('umount', ['-l', mnt]);
    } catch {
      // already unmounted
    }
    rmSync(work, { recursive: true, force: true });
  }
});
