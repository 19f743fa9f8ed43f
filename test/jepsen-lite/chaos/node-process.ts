// One harness-owned child process (a database node, a gateway, a probe agent), usually started
// inside a network namespace: bounded start, kill/stop/pause/resume by its own pid, output to a
// log file, and a record of every exit nobody asked for. Never signals a pid it did not spawn.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { onExit } from './exit-hooks.js';

export interface NodeProcessOptions {
  readonly id: string;
  /** Full argv; `nsenter` and `env` exec in place, so the pid is the program's own. */
  readonly argv: readonly string[];
  readonly logPath: string;
  readonly cwd?: string;
  /** Environment additions; HYPERBYTEDB__* and LD_PRELOAD from the harness's own env are dropped. */
  readonly env?: Readonly<Record<string, string>>;
  /** Open an IPC channel (the child must be node). */
  readonly ipc?: boolean;
  /** Resolves once the process serves; rejected or timed out means the start failed. */
  readonly ready: (process: NodeProcess, signal: AbortSignal) => Promise<void>;
  readonly readyTimeoutMs: number;
  readonly stopTimeoutMs?: number;
}

export interface ExitRecord {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly expected: boolean;
  readonly atMs: number;
}

function childEnv(extra: Readonly<Record<string, string>> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('HYPERBYTEDB__') && k !== 'LD_PRELOAD' && !k.startsWith('NODE_TEST')) env[k] = v;
  }
  return { ...env, ...(extra ?? {}) };
}

export class NodeProcess {
  private child: ChildProcess | null = null;
  private exitedPromise: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private stopped = false;
  private isPaused = false;
  readonly exits: ExitRecord[] = [];
  private readonly unregister: () => void;

  constructor(readonly options: NodeProcessOptions) {
    // If the harness dies, its children must not live on (a stopped one would never resume).
    this.unregister = onExit(() => {
      const pid = this.pid;
      if (pid === null || !this.alive) return;
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
  }

  get id(): string {
    return this.options.id;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get paused(): boolean {
    return this.isPaused && this.alive;
  }

  /** The underlying child (for IPC); null before start. */
  get handle(): ChildProcess | null {
    return this.child;
  }

  unexpectedExits(): ExitRecord[] {
    return this.exits.filter((e) => !e.expected);
  }

  async start(): Promise<void> {
    if (this.stopped) throw new Error(`${this.id} was stopped for good`);
    if (this.alive) throw new Error(`${this.id} is already running (pid ${this.pid})`);
    const [command, ...args] = this.options.argv;
    if (command === undefined) throw new Error(`${this.id}: empty argv`);
    const log = openSync(this.options.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: this.options.cwd ?? process.cwd(),
        env: childEnv(this.options.env),
        stdio: this.options.ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    this.child = child;
    this.expectingExit = false;
    this.isPaused = false;
    this.exitedPromise = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exits.push({ pid: child.pid ?? -1, code, signal, expected: this.expectingExit, atMs: Date.now() });
        resolve();
      });
      child.once('error', () => resolve());
    });
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.ready(this, abort.signal),
        this.exitedPromise.then(() => {
          throw new Error(`${this.id} exited during start:\n${this.logTail(30)}`);
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${this.id} was not ready within ${this.options.readyTimeoutMs} ms:\n${this.logTail(30)}`)), this.options.readyTimeoutMs);
        }),
      ]);
    } catch (error) {
      abort.abort();
      await this.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitExit(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      this.exitedPromise.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Sends the signal (SIGKILL by default) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    if (this.isPaused && signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    if (!(await this.waitExit(this.options.stopTimeoutMs ?? 15_000))) {
      child.kill('SIGKILL');
      await this.waitExit(5_000);
    }
    this.isPaused = false;
  }

  pause(): void {
    if (!this.child || !this.alive) throw new Error(`${this.id} is not running`);
    this.child.kill('SIGSTOP');
    this.isPaused = true;
  }

  resume(): void {
    if (!this.child || !this.alive) return;
    this.child.kill('SIGCONT');
    this.isPaused = false;
  }

  /** Graceful stop (SIGTERM, then SIGKILL after the stop timeout); no restart afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.kill('SIGTERM');
    this.unregister();
  }

  /** Last lines of the log file (read from its last 256 KiB only). */
  logTail(lines = 50): string {
    try {
      const size = statSync(this.options.logPath).size;
      const length = Math.min(size, 256 * 1024);
      const buffer = Buffer.alloc(length);
      const fd = openSync(this.options.logPath, 'r');
      try {
        readSync(fd, buffer, 0, length, size - length);
      } finally {
        closeSync(fd);
      }
      return buffer.toString('utf8').split('\n').slice(-lines - 1).join('\n');
    } catch {
      return '';
    }
  }
}
