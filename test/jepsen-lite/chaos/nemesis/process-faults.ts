// Process nemeses: SIGKILL (optionally wiping the data dir) with restart at heal, and
// SIGSTOP/SIGCONT. A restart that fails is reported as indeterminate with the error: it is a finding.
import { readFileSync } from 'node:fs';
import { nodeOf, outcome, skipped, type InstalledFault, type NemesisContext } from './nemesis.js';

export async function installKill(ctx: NemesisContext, id: string, wipe: boolean): Promise<InstalledFault> {
  const node = nodeOf(ctx, id);
  if (wipe && !ctx.replicated) return skipped(`wiping ${id} would lose acknowledged data by design: the target keeps no replicas`);
  if (!node.alive()) return skipped(`${id} is not running`);
  const pid = node.pid();
  await node.kill();
  if (node.alive()) return { outcome: outcome('indeterminate', `${id} (pid ${pid}) survived SIGKILL`), heal: () => restart(ctx, id) };
  if (wipe) {
    try {
      await node.wipe();
    } catch (error) {
      return { outcome: outcome('indeterminate', `killed ${id} but the wipe failed: ${(error as Error).message}`), heal: () => restart(ctx, id) };
    }
  }
  return { outcome: outcome('installed', `SIGKILL ${id} (pid ${pid})${wipe ? ', data dir wiped' : ''}`), heal: () => restart(ctx, id) };
}

async function restart(ctx: NemesisContext, id: string): Promise<ReturnType<typeof outcome>> {
  const node = nodeOf(ctx, id);
  if (node.alive()) return outcome('skipped', `${id} is already running`);
  try {
    await node.restart();
    return outcome('installed', `${id} restarted (pid ${node.pid()})`);
  } catch (error) {
    return outcome('indeterminate', `${id} failed to restart: ${(error as Error).message.slice(0, 2000)}`);
  }
}

/** Process state letter from /proc/<pid>/stat ('T' = stopped), or null when unreadable. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

export async function installPause(ctx: NemesisContext, id: string): Promise<InstalledFault> {
  const node = nodeOf(ctx, id);
  const pid = node.pid();
  if (!node.alive() || pid === null) return skipped(`${id} is not running`);
  node.pause();
  const heal = async (): Promise<ReturnType<typeof outcome>> => {
    node.resume();
    const state = processState(pid);
    return state === 'T' ? outcome('indeterminate', `${id} still stopped after SIGCONT`) : outcome('installed', `SIGCONT ${id}`);
  };
  // The kernel marks the stop asynchronously; give it a moment before judging.
  for (let i = 0; i < 20 && processState(pid) !== 'T'; i++) await new Promise((r) => setTimeout(r, 10));
  const state = processState(pid);
  return state === 'T'
    ? { outcome: outcome('installed', `SIGSTOP ${id} (pid ${pid})`), heal }
    : { outcome: outcome('indeterminate', `${id} state ${state ?? 'unknown'} after SIGSTOP`), heal };
}
