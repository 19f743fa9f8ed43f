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
    case 'isolate-leader': {
      if (ctx.leader === null) return skipped('the target has no leader');
      const leader = await ctx.leader();
      if (leader === null) return skipped('no node names a leader now');
      const installed = await installPartition(ctx, { kind: 'isolate', node: leader });
      return { ...installed, outcome: { ...installed.outcome, detail: `leader ${leader} isolated: ${installed.outcome.detail}` } };
    }
    case 'kill': return installKill(ctx, fault.node, fault.wipe);
    case 'pause': return installPause(ctx, fault.node);
    case 'clock-skew': return installClockSkew(ctx, fault.node, fault.offsetSeconds);
    case 'slow-cpu': return installCpuStarve(ctx, fault.node, fault.cpuPercent);
    case 'drain':
      // A drained node leaves for good; a drain that did not complete is aborted at heal.
      return ctx.drain === null ? skipped('the target has no drain') : ctx.drain(fault.node);
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
