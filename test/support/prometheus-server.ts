// Starts a real Prometheus (Debian package `prometheus`) on a free 127.0.0.1 port with a config
// the test writes, for real-process tests of scrape targets, dashboards and alert rules. Bounded
// start and stop; its temp dir (config, TSDB) is removed on stop.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port.js';

function runs(binary: string): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function aptGet(args: readonly string[]): boolean {
  return spawnSync('apt-get', args, { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

/**
 * False when `binary` runs, installing its Debian package first if it is missing (as root, with
 * `apt-get update` when the first try fails); otherwise the reason to skip a test that needs it.
 */
export function debianToolMissing(binary: string, debianPackage: string): false | string {
  if (runs(binary)) return false;
  if (process.getuid?.() !== 0) return `${binary} is not installed and this user cannot apt-get install ${debianPackage}`;
  if (!aptGet(['install', '-y', '-qq', debianPackage]) && aptGet(['update', '-qq'])) aptGet(['install', '-y', '-qq', debianPackage]);
  return runs(binary) ? false : `${binary} is not installed and apt-get install ${debianPackage} failed (apt unreachable?)`;
}

export type PromSample = { readonly metric: Readonly<Record<string, string>>; readonly value: readonly [number, string] };

export interface PrometheusHandle {
  readonly url: string;
  /** An instant query: the vector (or scalar as one sample); throws with Prometheus' error for an invalid expression. */
  query(expr: string): Promise<PromSample[]>;
  /** GET /api/v1/<path>, the `data` of a successful answer. */
  api<T>(path: string): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(configYaml: (dir: string) => string, timeoutMs = 30_000): Promise<PrometheusHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'hb-prometheus-'));
  const port = await freePort();
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, configYaml(dir));
  const child = spawn('prometheus', [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const append = (chunk: string): void => {
    tail = (tail + chunk).slice(-32_768);
  };
  child.stdout.setEncoding('utf8').on('data', append);
  child.stderr.setEncoding('utf8').on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited: ${tail}`);
    }
    try {
      const res = await request(`${url}/-/ready`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within ${timeoutMs} ms: ${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await request(`${url}/api/v1/${path}`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
    const body = (await res.body.json()) as { status: string; data?: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.statusCode}`);
    return body.data as T;
  };
  return {
    url,
    api,
    async query(expr) {
      const data = await api<{ resultType: string; result: unknown }>(`query?query=${encodeURIComponent(expr)}`);
      if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
      return data.result as PromSample[];
    },
    output: () => tail,
    stop,
  };
}
