// Starts our server (`src/cli/main.ts serve`) as a child process on a free 127.0.0.1 port for real-process tests.
// Bounded start and stop; keeps only a bounded tail of its output; never leaves a temp data dir behind unless asked.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const serverEntry = join(repoRoot, 'src', 'cli', 'main.ts');

export interface StartHyperbytedbOptions {
  /** Entry script to run instead of src/cli/main.ts (tests of this helper, older builds). */
  readonly entry?: string;
  /** Use this data dir instead of a fresh temp dir (it is then never removed). */
  readonly dataDir?: string;
  /** Keep the temp data dir after stop() (for post-mortems). */
  readonly keepDataDir?: boolean;
  /** Extra CLI arguments after the standard ones. */
  readonly extraArgs?: readonly string[];
  /** Node flags before the entry script (e.g. --cpu-prof for profiling a benchmark). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment variables for the child. */
  readonly env?: Readonly<Record<string, string>>;
  readonly port?: number;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
}

export interface HyperbytedbHandle {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly pid: number;
  /** SIGTERM, wait (bounded, then SIGKILL), remove the temp dir unless kept. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal and waits (bounded) for the process to exit; the data dir is kept for a restart. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Tail of the child's stdout+stderr, for failure messages. */
  output(): string;
  exited(): boolean;
}

export interface HyperbytedbAvailability {
  readonly available: boolean;
  readonly reason: string;
}

/** Whether our server's entry point exists yet (the lead builds it in parallel). */
export function hyperbytedbAvailable(): HyperbytedbAvailability {
  return existsSync(serverEntry)
    ? { available: true, reason: '' }
    : { available: false, reason: `${serverEntry} does not exist yet` };
}

const outputTailChars = 64 * 1024;

function childEnv(extra: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Our config layer reads HYPERBYTEDB__*; a developer's shell must not change a test server.
    if (v !== undefined && !k.startsWith('HYPERBYTEDB__')) env[k] = v;
  }
  return { ...env, ...(extra ?? {}) };
}

async function waitForPing(url: string, isExited: () => boolean, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isExited()) throw new Error(`hyperbytedb exited before answering /ping:\n${output()}`);
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`hyperbytedb did not answer GET /ping with 204 within ${timeoutMs} ms:\n${output()}`);
}

export async function startHyperbytedb(opts: StartHyperbytedbOptions = {}): Promise<HyperbytedbHandle> {
  const entry = opts.entry ?? serverEntry;
  if (!existsSync(entry)) throw new Error(`${entry} does not exist yet`);
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  const ownsDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'hyperbytedb-test-')));
  const port = opts.port ?? (await freePort());
  const args = [
    ...(opts.nodeArgs ?? []),
    '--import',
    'tsx',
    entry,
    'serve',
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--data-dir',
    dataDir,
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const append = (chunk: string): void => {
    tail += chunk;
    if (tail.length > outputTailChars) tail = tail.slice(tail.length - outputTailChars);
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exitedPromise = new Promise<void>((r) => child.once('exit', () => r()));
  const isExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const waitExit = async (timeoutMs: number): Promise<boolean> => {
    if (isExited()) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    const done = await Promise.race([exitedPromise.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return done;
  };

  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (isExited()) return;
    child.kill(signal);
    if (!(await waitExit(stopTimeoutMs))) {
      child.kill('SIGKILL');
      await waitExit(stopTimeoutMs);
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await kill('SIGTERM');
      if (ownsDir && !(opts.keepDataDir ?? false)) await rm(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPing(url, isExited, () => tail, startTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    port,
    dataDir,
    pid: child.pid ?? -1,
    stop,
    kill,
    output: () => tail,
    exited: isExited,
  };
}
