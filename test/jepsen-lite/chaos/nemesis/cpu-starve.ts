// CPU-starvation nemesis: moves a node into a harness-owned cgroup with a CPU quota (cgroup v2
// cpu.max where the cpu controller is delegated, else cgroup v1 cpu.cfs_quota_us). Without either,
// it falls back to duty cycling: SIGSTOP/SIGCONT in 100 ms periods, running the given share.
// Creates and removes only cgroups named hbj-<owner pid>-…; never changes a cgroup it did not create.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onExit } from '../exit-hooks.js';
import { nodeOf, outcome, skipped, type InstalledFault, type NemesisContext, type NemesisOutcome } from './nemesis.js';

export type CpuLimiter =
  | { readonly mode: 'cgroup-v2'; readonly root: string }
  | { readonly mode: 'cgroup-v1'; readonly root: string }
  | { readonly mode: 'duty-cycle'; readonly reason: string };

const PERIOD_US = 100_000;

function cgroup2Root(): string | null {
  try {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n');
    const line = mounts.find((l) => l.split(' ')[2] === 'cgroup2');
    return line?.split(' ')[1] ?? null;
  } catch {
    return null;
  }
}

/** How CPU can be limited on this machine. */
export function detectCpuLimiter(): CpuLimiter {
  const v2 = cgroup2Root();
  if (v2 !== null) {
    try {
      if (readFileSync(join(v2, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) return { mode: 'cgroup-v2', root: v2 };
    } catch {
      // not delegated
    }
  }
  if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) return { mode: 'cgroup-v1', root: '/sys/fs/cgroup/cpu' };
  return { mode: 'duty-cycle', reason: 'no cgroup with a cpu controller (v2 cpu not delegated, v1 cpu not mounted)' };
}

/** The pid's cgroup path for the controller the limiter uses ("/" at the root). */
function cgroupOf(pid: number, limiter: CpuLimiter): string | null {
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      if (path === undefined) continue;
      if (limiter.mode === 'cgroup-v2' && controllers === '') return path;
      if (limiter.mode === 'cgroup-v1' && (controllers ?? '').split(',').includes('cpu')) return path;
    }
  } catch {
    // process gone
  }
  return null;
}

function movePids(from: string, to: string): void {
  let pids: string[] = [];
  try {
    pids = readFileSync(join(from, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '');
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      writeFileSync(join(to, 'cgroup.procs'), pid);
    } catch {
      // the process exited meanwhile
    }
  }
}

function removeCgroup(dir: string, parent: string): void {
  movePids(dir, parent);
  try {
    rmdirSync(dir);
  } catch {
    // already gone
  }
}

/** Removes cgroups left by dead harness runs (owner pid no longer alive). */
export function removeLeftoverCgroups(limiter: CpuLimiter = detectCpuLimiter()): string[] {
  if (limiter.mode === 'duty-cycle') return [];
  const removed: string[] = [];
  for (const name of readdirSync(limiter.root)) {
    const match = /^hbj-(\d+)-/.exec(name);
    if (!match) continue;
    try {
      process.kill(Number(match[1]), 0);
      continue;
    } catch {
      // owner is dead
    }
    removeCgroup(join(limiter.root, name), limiter.root);
    removed.push(name);
  }
  return removed;
}

function quotaFiles(limiter: CpuLimiter & { root: string }, dir: string, percent: number): Array<[string, string]> {
  const quota = Math.max(1_000, Math.round((PERIOD_US * percent) / 100));
  return limiter.mode === 'cgroup-v2'
    ? [[join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`]]
    : [[join(dir, 'cpu.cfs_period_us'), String(PERIOD_US)], [join(dir, 'cpu.cfs_quota_us'), String(quota)]];
}

function dutyCycle(pid: number, percent: number, id: string): InstalledFault {
  const runMs = Math.max(1, Math.round(percent));
  const stopMs = Math.max(1, 100 - runMs);
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(pid, s);
    } catch {
      running = false;
    }
  };
  const cycle = (stopped: boolean): void => {
    if (!running) return;
    signal(stopped ? 'SIGCONT' : 'SIGSTOP');
    timer = setTimeout(() => cycle(!stopped), stopped ? runMs : stopMs);
  };
  const unregister = onExit(() => signal('SIGCONT'));
  cycle(false);
  return {
    outcome: outcome('installed', `duty cycle on ${id}: runs ${runMs} ms of every 100 ms (no cgroup cpu controller)`),
    heal: () => {
      running = false;
      clearTimeout(timer);
      signal('SIGCONT');
      unregister();
      return Promise.resolve(outcome('installed', `duty cycle on ${id} ended`));
    },
  };
}

/** The cgroup a starved node is moved to (named after the run's namespace prefix). */
export function cpuCgroupDir(ctx: NemesisContext, id: string, limiter: CpuLimiter & { root: string }): string {
  return join(limiter.root, `${ctx.network.prefix}-${id}-cpu`);
}

export function installCpuStarve(ctx: NemesisContext, id: string, cpuPercent: number, limiter: CpuLimiter = detectCpuLimiter()): Promise<InstalledFault> {
  const node = nodeOf(ctx, id);
  const pid = node.pid();
  if (!node.alive() || pid === null) return Promise.resolve(skipped(`${id} is not running`));
  if (!(cpuPercent > 0 && cpuPercent < 100)) throw new Error(`cpuPercent must be in (0, 100), got ${cpuPercent}`);
  if (limiter.mode === 'duty-cycle') return Promise.resolve(dutyCycle(pid, cpuPercent, id));
  const original = cgroupOf(pid, limiter);
  if (original === null) return Promise.resolve(skipped(`${id}: cannot read /proc/${pid}/cgroup`));
  const parent = join(limiter.root, original);
  const dir = cpuCgroupDir(ctx, id, limiter);
  const unregister = onExit(() => removeCgroup(dir, parent));
  const heal = (): Promise<NemesisOutcome> => {
    removeCgroup(dir, parent);
    unregister();
    return Promise.resolve(existsSync(dir) ? outcome('indeterminate', `cannot remove ${dir}`) : outcome('installed', `${id} back in ${original}`));
  };
  try {
    mkdirSync(dir);
    for (const [file, value] of quotaFiles(limiter, dir, cpuPercent)) writeFileSync(file, value);
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    const members = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n');
    if (!members.includes(String(pid))) return Promise.resolve({ outcome: outcome('indeterminate', `${id} (pid ${pid}) is not in ${dir}`), heal });
  } catch (error) {
    return Promise.resolve({ outcome: outcome('indeterminate', `${limiter.mode}: ${(error as Error).message}`), heal });
  }
  return Promise.resolve({ outcome: outcome('installed', `${id} limited to ${cpuPercent}% CPU (${limiter.mode} ${dir})`), heal });
}

/** nr_throttled of the node's quota cgroup (evidence the limit bit); null without one. */
export function throttledPeriods(dir: string): number | null {
  try {
    const stat = readFileSync(join(dir, 'cpu.stat'), 'utf8');
    const match = /nr_throttled (\d+)/.exec(stat);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
