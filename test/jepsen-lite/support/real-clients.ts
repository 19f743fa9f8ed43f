// Runs the clients InfluxDB 1.x users already have (the influx CLI, python3-influxdb, prometheus)
// as real processes for the client tests: availability checks that give a skip reason, and a
// bounded command runner. Never leaves a child running after its promise settles.
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot, serverEntry } from '../../support/hyperbytedb-server.js';

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Whether `command args` runs and exits 0. */
export function commandWorks(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

/** A skip reason when the command is missing (false when it is there). */
export function skipUnless(available: boolean, what: string): false | string {
  return available ? false : `${what} is not installed (Debian package; .ci/run installs it)`;
}

export interface CommandOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** Runs a command to completion; kills it after `timeoutMs`. */
export async function runCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.env !== undefined ? { env: { ...process.env, ...options.env } } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // A command that exits without reading its input (the influx CLI with -execute) closes the pipe:
  // the EPIPE that follows is no failure of the command, whose status and output tell the outcome.
  child.stdin.on('error', () => {});
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** Runs `hyperbytedb <args>` (this checkout's CLI) to completion, from the repository root. */
export function runHyperbytedbCli(args: readonly string[], options: Omit<CommandOptions, 'cwd'> = {}): Promise<CommandResult> {
  return runCommand(process.execPath, ['--import', 'tsx', serverEntry, ...args], { timeoutMs: 60_000, ...options, cwd: repoRoot });
}

/** A Python with the influxdb module: Debian's python3-influxdb installs into /usr/bin/python3. */
export function pythonWithInfluxdb(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (commandWorks(python, ['-c', 'import influxdb, msgpack'])) return python;
  }
  return undefined;
}

/** Polls `check` until it returns a value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
