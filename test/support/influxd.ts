// Starts a throwaway InfluxDB 1.6.x (`influxd`) as the compatibility oracle for differential tests.
// Binds only 127.0.0.1 on free ports and keeps every file in a fresh temp dir that stop() removes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface InfluxdHandle {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** The influxd process id (benchmarks read its memory from /proc). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface InfluxdAvailability {
  readonly available: boolean;
  /** Why the oracle cannot run; pass it to `test(..., { skip: reason })`. */
  readonly reason: string;
}

const startTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;
let availability: InfluxdAvailability | undefined;

function onPath(): boolean {
  return spawnSync('influxd', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Whether `influxd` can be started; installs the Debian package once if running as root. */
export function influxdAvailable(): InfluxdAvailability {
  if (availability !== undefined) return availability;
  if (onPath()) return (availability = { available: true, reason: '' });
  if (process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', 'influxdb'], { stdio: 'ignore', timeout: 300_000 });
    if (onPath()) return (availability = { available: true, reason: '' });
  }
  return (availability = {
    available: false,
    reason: 'influxd (InfluxDB 1.6.x) is not on PATH and `apt-get install -y influxdb` did not provide it',
  });
}

function configToml(dir: string, rpcPort: number, httpPort: number, authEnabled: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  trace-logging-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${authEnabled}
  log-enabled = false
  write-tracing = false
  pprof-enabled = false

[logging]
  level = "error"
  suppress-logo = true

[monitor]
  store-enabled = false

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
`;
}

async function waitForPing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`influxd did not answer /ping within ${startTimeoutMs} ms: ${stderr()}`);
}

export interface InfluxdOptions {
  /** `[http] auth-enabled`: every request but /ping needs a user once an admin exists. */
  readonly authEnabled?: boolean;
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<InfluxdHandle> {
  const avail = influxdAvailable();
  if (!avail.available) throw new Error(avail.reason);
  const dir = await mkdtemp(join(tmpdir(), 'hyperbytedb-influxd-'));
  const rpcPort = await freePort();
  let httpPort = await freePort();
  while (httpPort === rpcPort) httpPort = await freePort();
  const configPath = join(dir, 'influxdb.conf');
  await writeFile(configPath, configToml(dir, rpcPort, httpPort, options.authEnabled === true));
  // Only the variables influxd needs; INFLUXDB_* from the caller's shell must not override the config.
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir };
  const child = spawn('influxd', ['run', '-config', configPath], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderrText = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderrText.length < 16_384) stderrText += chunk;
  });
  // A test process that dies without running stop() (crash, broken stdout pipe) must not leak influxd.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${httpPort}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await waitForPing(url, child, () => stderrText);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid ?? -1, stop };
}
