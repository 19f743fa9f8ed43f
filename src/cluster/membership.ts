// The cluster's members as an immutable value: id, HTTP and Raft addresses, declared state. Pure:
// apply(command, index) returns the next value; every replica applies the same commands in the
// same Raft order and holds the same membership. Observed liveness is not kept here.

/** Declared states, numbered as the hyperbytedb_cluster_node_state gauge reports them (3 is observed only). */
export const NODE_STATES = { joining: 0, syncing: 1, active: 2, disconnected: 3, draining: 4, leaving: 5 } as const;
export type NodeState = keyof typeof NODE_STATES;
export type DeclaredState = Exclude<NodeState, 'disconnected'>;

export interface NodeInfo {
  readonly id: string;
  readonly httpAddress: string;
  readonly raftAddress: string;
  readonly state: DeclaredState;
  /** Raft index at which the node was first registered. */
  readonly joinedAtIndex: number;
  /** Raft index of the node's last change. */
  readonly changedAtIndex: number;
}

export type MembershipCommand =
  /** A node announces itself: added with `initialState` if new, otherwise only its addresses change. */
  | { readonly kind: 'register-node'; readonly id: string; readonly httpAddress: string; readonly raftAddress: string; readonly initialState: DeclaredState }
  | { readonly kind: 'set-node-state'; readonly id: string; readonly state: DeclaredState }
  | { readonly kind: 'remove-node'; readonly id: string };

export class Membership {
  static empty(): Membership {
    return new Membership(new Map(), 0);
  }

  constructor(
    readonly nodes: ReadonlyMap<string, NodeInfo>,
    /** Raft index of the last membership change (the membership version). */
    readonly version: number,
  ) {}

  get(id: string): NodeInfo | undefined {
    return this.nodes.get(id);
  }

  list(): NodeInfo[] {
    return [...this.nodes.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /**
   * The members writes are counted against: those declared Active, and Raft voters not yet
   * registered (a voter is a member from the start; unknown only means its address is not known).
   */
  countedMembers(voters: readonly string[]): string[] {
    const counted = new Set<string>();
    for (const node of this.nodes.values()) if (node.state === 'active') counted.add(node.id);
    for (const id of voters) if (!this.nodes.has(id)) counted.add(id);
    return [...counted].sort();
  }

  apply(command: MembershipCommand, index: number): Membership {
    const nodes = new Map(this.nodes);
    switch (command.kind) {
      case 'register-node': {
        const existing = nodes.get(command.id);
        if (existing && existing.httpAddress === command.httpAddress && existing.raftAddress === command.raftAddress) return this;
        nodes.set(command.id, {
          id: command.id,
          httpAddress: command.httpAddress,
          raftAddress: command.raftAddress,
          state: existing?.state ?? command.initialState,
          joinedAtIndex: existing?.joinedAtIndex ?? index,
          changedAtIndex: index,
        });
        return new Membership(nodes, index);
      }
      case 'set-node-state': {
        const existing = nodes.get(command.id);
        if (!existing) throw new Error(`node ${command.id} is not a member`);
        if (existing.state === command.state) return this;
        nodes.set(command.id, { ...existing, state: command.state, changedAtIndex: index });
        return new Membership(nodes, index);
      }
      case 'remove-node':
        if (!nodes.delete(command.id)) return this;
        return new Membership(nodes, index);
    }
  }

  toJSON(): { version: number; nodes: NodeInfo[] } {
    return { version: this.version, nodes: this.list() };
  }

  static fromJSON(value: { version: number; nodes: NodeInfo[] }): Membership {
    return new Membership(new Map(value.nodes.map((node) => [node.id, node])), value.version);
  }
}
