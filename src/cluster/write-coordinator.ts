// A client write with this node as its coordinator: refused before any side effect when the
// consistency level cannot be met by the reachable members, acknowledged once enough members hold
// it durably (504 when they do not in time: the write stays in the WAL and is delivered later).

import type { Engine, WriteRequest } from '../core/index.js';
import { GatewayTimeoutError, UnavailableError } from '../core/errors.js';
import type { AckTracker } from './replication/ack-tracker.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import { parseConsistency, requiredCopies, unavailableMessage, type ConsistencyLevel } from './consistency.js';
import type { NodeState } from './membership.js';
import type { Tracer } from '../core/tracing.js';

export interface ClusterWriteRequest extends WriteRequest {
  readonly consistency?: string;
}

export interface WriteCoordinatorDeps {
  readonly nodeId: string;
  readonly engine: Engine;
  readonly acks: AckTracker;
  readonly metrics: ClusterMetrics;
  readonly defaultConsistency: ConsistencyLevel;
  readonly writeTimeoutMs: number;
  readonly state: () => NodeState;
  /** The members writes count against (this node included when Active). */
  readonly countedMembers: () => readonly string[];
  readonly reachable: (peer: string) => boolean;
  /** An Active peer's address for clients sent away. */
  readonly activePeerHint: () => string | null;
  readonly tracer: Tracer;
}

/** /write on a node that is not Active: 503 with a clear body, Retry-After and a peer to try. */
export class NodeNotActiveError extends UnavailableError {
  constructor(
    readonly state: NodeState,
    readonly activePeer: string | null,
  ) {
    super(`node is ${state}: it does not take writes now${activePeer ? `; write to ${activePeer}` : ''}`, 'HB_NODE_NOT_ACTIVE');
    this.redirect = activePeer;
  }
}

export class WriteCoordinator {
  constructor(private readonly deps: WriteCoordinatorDeps) {}

  async write(request: ClusterWriteRequest): Promise<void> {
    const { deps } = this;
    const state = deps.state();
    if (state !== 'active') throw new NodeNotActiveError(state, deps.activePeerHint());
    const level = parseConsistency(request.consistency, deps.defaultConsistency);
    const counted = deps.countedMembers();
    const required = requiredCopies(level, Math.max(1, counted.length));
    const peers = counted.filter((id) => id !== deps.nodeId);
    const reachable = 1 + peers.filter((id) => deps.reachable(id)).length;
    if (reachable < required) {
      deps.metrics.consistency.inc({ level, outcome: 'unavailable' });
      throw new UnavailableError(unavailableMessage(level, required, counted.length, reachable));
    }
    const result = await deps.engine.writeLines(request);
    if (result.receipt !== null && required > 1) {
      const { originSeq } = result.receipt;
      const outcome = await deps.tracer.span('replication.wait', { 'hyperbytedb.consistency': level, 'hyperbytedb.peer_acks_needed': required - 1, 'hyperbytedb.origin_seq': originSeq }, () =>
        deps.acks.waitFor(originSeq, peers, required - 1, deps.writeTimeoutMs),
      );
      if (!outcome.ok) {
        deps.metrics.consistency.inc({ level, outcome: 'timeout' });
        throw new GatewayTimeoutError(`replication ${level} timeout: ${outcome.acked}/${required - 1} peer acks received within ${deps.writeTimeoutMs}ms; the write is stored here and will reach every peer`);
      }
    }
    deps.metrics.consistency.inc({ level, outcome: 'ok' });
    if (result.error) throw result.error;
  }
}
