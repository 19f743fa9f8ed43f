// Runs system tools (ip, iptables) for the harness: argument vectors only (no shell), a timeout on
// every call, and an environment without LD_PRELOAD so libfaketime never leaks into a tool.
import { execFile, execFileSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly argv: readonly string[], readonly stderr: string, readonly code: number | string | null) {
    super(`${argv.join(' ')} failed (${code ?? 'signal'}): ${stderr.trim()}`);
    this.name = 'CommandError';
  }
}

export function toolEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['LD_PRELOAD'];
  return env;
}

export function run(argv: readonly string[], timeoutMs = 10_000): Promise<string> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error('run: empty command'));
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, env: toolEnv(), maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new CommandError(argv, String(stderr) || error.message, (error as { code?: number | string }).code ?? null));
      else resolve(String(stdout));
    });
  });
}

/** Synchronous form for exit hooks, where nothing asynchronous runs any more. Never throws. */
export function runSyncQuiet(argv: readonly string[], timeoutMs = 5_000): string | null {
  const [command, ...args] = argv;
  if (command === undefined) return null;
  try {
    return execFileSync(command, args, { timeout: timeoutMs, env: toolEnv(), stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return null;
  }
}
