// Partition nemesis: iptables rules in the harness chain of each node namespace (grudges, bridges,
// one-way cuts). Heal empties the chain everywhere. The switch namespace, where clients enter, is never filtered.
import { CHAOS_CHAIN, describePartition, partitionRules, type PartitionSpec } from '../grudge.js';
import { outcome, type InstalledFault, type NemesisContext, type NemesisOutcome } from './nemesis.js';

export async function healPartitions(ctx: NemesisContext): Promise<NemesisOutcome> {
  const errors: string[] = [];
  for (const node of ctx.network.nodes) {
    try {
      await ctx.network.flushChaosChain(node);
      const left = await ctx.network.chaosRules(node);
      if (left.length > 0) errors.push(`${node} still has ${left.length} rules`);
    } catch (error) {
      errors.push(`${node}: ${(error as Error).message}`);
    }
  }
  return errors.length === 0 ? outcome('installed', 'all partitions healed') : outcome('indeterminate', errors.join('; '));
}

export async function installPartition(ctx: NemesisContext, spec: PartitionSpec): Promise<InstalledFault> {
  const { network } = ctx;
  const rules = partitionRules({ nodes: network.nodes, spec, addressOf: (n) => network.addressOf(n), servicePorts: ctx.servicePorts });
  const heal = (): Promise<NemesisOutcome> => healPartitions(ctx);
  try {
    for (const [node, list] of rules) {
      await network.flushChaosChain(node);
      for (const rule of list) await network.iptables(node, rule);
      const present = await network.chaosRules(node);
      if (present.length !== list.length) {
        return { outcome: outcome('indeterminate', `${node}: ${present.length} of ${list.length} rules in ${CHAOS_CHAIN}`), heal };
      }
    }
  } catch (error) {
    return { outcome: outcome('indeterminate', `iptables failed: ${(error as Error).message}`), heal };
  }
  return { outcome: outcome('installed', describePartition(network.nodes, spec)), heal };
}
