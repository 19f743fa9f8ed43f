// Partitions as data: a grudge (node → peers whose packets it drops) and one-way cuts, turned into
// iptables rules for each node's own namespace. Pure; never names an address outside the run's subnet.

/** node → the peers it drops in both directions (INPUT from them, OUTPUT to them). */
export type Grudge = ReadonlyMap<string, ReadonlySet<string>>;

/** `from` can no longer open or use connections to `to`'s service ports; `to` still reaches `from`. */
export interface OneWayCut {
  readonly from: string;
  readonly to: string;
}

export type PartitionSpec =
  | { readonly kind: 'isolate'; readonly node: string }
  /** Every node of `minority` loses every node outside it. */
  | { readonly kind: 'split'; readonly minority: readonly string[] }
  /** `order`: the two halves around the middle node, which alone still sees everybody. */
  | { readonly kind: 'bridge'; readonly order: readonly string[] }
  | { readonly kind: 'one-way'; readonly from: string; readonly to: string };

/** The iptables chain the harness owns inside every node namespace (hooked to INPUT and OUTPUT). */
export const CHAOS_CHAIN = 'HBJ-CHAOS';

function mutable(nodes: readonly string[]): Map<string, Set<string>> {
  return new Map(nodes.map((n) => [n, new Set<string>()]));
}

function cut(grudge: Map<string, Set<string>>, a: string, b: string): void {
  grudge.get(a)?.add(b);
  grudge.get(b)?.add(a);
}

export function grudgeFor(nodes: readonly string[], spec: PartitionSpec): Grudge {
  const known = new Set(nodes);
  const named = spec.kind === 'isolate' ? [spec.node] : spec.kind === 'split' ? spec.minority
    : spec.kind === 'bridge' ? spec.order : [spec.from, spec.to];
  for (const n of named) if (!known.has(n)) throw new Error(`partition names unknown node ${n}`);
  const grudge = mutable(nodes);
  if (spec.kind === 'isolate') {
    for (const other of nodes) if (other !== spec.node) cut(grudge, spec.node, other);
  } else if (spec.kind === 'split') {
    const minority = new Set(spec.minority);
    for (const a of minority) for (const b of nodes) if (!minority.has(b)) cut(grudge, a, b);
  } else if (spec.kind === 'bridge') {
    if (spec.order.length < 3) throw new Error('a bridge needs at least 3 nodes');
    const middle = Math.floor(spec.order.length / 2);
    const left = spec.order.slice(0, middle);
    const right = spec.order.slice(middle + 1);
    for (const a of left) for (const b of right) cut(grudge, a, b);
  }
  return grudge;
}

export function oneWayCutFor(spec: PartitionSpec): OneWayCut | null {
  return spec.kind === 'one-way' ? { from: spec.from, to: spec.to } : null;
}

export interface RuleInput {
  readonly nodes: readonly string[];
  readonly spec: PartitionSpec;
  readonly addressOf: (node: string) => string;
  /** TCP ports the nodes listen on (the same in every namespace); one-way cuts filter these. */
  readonly servicePorts: readonly number[];
}

/** iptables argument lists (after `iptables`) to append to CHAOS_CHAIN, per node namespace. */
export function partitionRules(input: RuleInput): Map<string, string[][]> {
  const rules = new Map<string, string[][]>(input.nodes.map((n) => [n, []]));
  const grudge = grudgeFor(input.nodes, input.spec);
  for (const [node, peers] of grudge) {
    for (const peer of [...peers].sort()) {
      const address = input.addressOf(peer);
      rules.get(node)!.push(['-A', CHAOS_CHAIN, '-s', address, '-j', 'DROP'], ['-A', CHAOS_CHAIN, '-d', address, '-j', 'DROP']);
    }
  }
  const oneWay = oneWayCutFor(input.spec);
  if (oneWay) {
    if (input.servicePorts.length === 0) throw new Error('a one-way cut needs the service ports');
    const from = input.addressOf(oneWay.from);
    const to = input.addressOf(oneWay.to);
    for (const port of input.servicePorts) {
      // Requests from `from` to `to`'s listeners vanish on both ends; `to`'s own connections to
      // `from` use `from`'s ports as destination and ephemeral ports for the answers, so they pass.
      rules.get(oneWay.from)!.push(['-A', CHAOS_CHAIN, '-d', to, '-p', 'tcp', '--dport', String(port), '-j', 'DROP']);
      rules.get(oneWay.to)!.push(['-A', CHAOS_CHAIN, '-s', from, '-p', 'tcp', '--dport', String(port), '-j', 'DROP']);
    }
  }
  return rules;
}

/** Human-readable form for reports: "n1 -x- n3, n2 -x- n3" plus one-way arrows. */
export function describePartition(nodes: readonly string[], spec: PartitionSpec): string {
  if (spec.kind === 'one-way') return `${spec.from} -x-> ${spec.to} (one-way)`;
  const grudge = grudgeFor(nodes, spec);
  const pairs: string[] = [];
  for (const [a, peers] of grudge) for (const b of peers) if (a < b) pairs.push(`${a} -x- ${b}`);
  return `${spec.kind}: ${pairs.sort().join(', ')}`;
}
