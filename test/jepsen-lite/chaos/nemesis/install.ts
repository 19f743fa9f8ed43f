// Dispatches a scheduled fault to its nemesis, and heals everything at the end of a run
// (rules flushed, processes continued, clocks reset, cgroups left, dead nodes restarted).
import type { Fault } from '../schedule.js';
import { installClockSkew, writeClockOffset } from './clock.js';
import { installCpuStarve } from './cpu-starve.js';
import { outcome, skipped, type InstalledFault, type NemesisContext, type NemesisOutcome } from './nemesis.js';
import { healPartitions, installPartition } from './partition.js';
import { installKill, installPause } from './process-faults.js';

export async function installFault(ctx: NemesisContext, fault: Fault): Promise<InstalledFault> {
  switch (fault.kind) {
    case 'partition': return installPartition(ctx, fault.spec);
    case 'kill': return installKill(ctx, fault.node, fault.wipe);
    case 'pause': return installPause(ctx, fault.node);
    case 'clock-skew': return installClockSkew(ctx, fault.node, fault.offsetSeconds);
    case 'slow-cpu': return installCpuStarve(ctx, fault.node, fault.cpuPercent);
    case 'drain': {
      if (ctx.drain === null) return skipped('the target has no drain');
      const started = await ctx.drain(fault.node);
      // A drained node leaves for good: there is nothing to heal.
      return { outcome: started, heal: () => Promise.resolve(outcome('skipped', 'a drain is not undone')) };
    }
  }
}

/** Undoes every fault kind regardless of what is believed active (drained nodes stay down). */
export async function healEverything(ctx: NemesisContext, departed: ReadonlySet<string> = new Set()): Promise<NemesisOutcome[]> {
  const outcomes: NemesisOutcome[] = [await healPartitions(ctx)];
  for (const node of ctx.nodes.values()) {
    node.resume();
    if (departed.has(node.id)) continue;
    if (node.clockFile !== null) writeClockOffset(node.clockFile, 0);
    if (!node.alive()) {
      try {
        await node.restart();
        outcomes.push(outcome('installed', `${node.id} restarted at final heal`));
      } catch (error) {
        outcomes.push(outcome('indeterminate', `${node.id} failed to restart at final heal: ${(error as Error).message.slice(0, 2000)}`));
      }
    }
  }
  return outcomes;
}
