// Typed errors of @hyperbytedb/raft: every refusal the core or its adapters can give a caller.
// Must never import from the rest of the repository; the HTTP layer maps these once, elsewhere.
import type { NodeId } from './core/types.js';

export class RaftError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The call needs the leader; `leaderHint` is the leader this node knows of, if any. */
export class NotLeaderError extends RaftError {
  readonly leaderHint: NodeId | null;
  constructor(leaderHint: NodeId | null) {
    super('RAFT_NOT_LEADER', leaderHint === null ? 'not the leader; no leader known' : `not the leader; leader is ${leaderHint}`);
    this.leaderHint = leaderHint;
  }
}

/** The leader refused a proposal (transfer in progress, a conf change pending, too many uncommitted entries). */
export class ProposalDroppedError extends RaftError {
  constructor(reason: string) {
    super('RAFT_PROPOSAL_DROPPED', `proposal dropped: ${reason}`);
  }
}

/** The requested index lies below the first index kept by the log (it is covered by a snapshot). */
export class CompactedError extends RaftError {
  readonly index: number;
  constructor(index: number) {
    super('RAFT_COMPACTED', `log index ${index} is compacted`);
    this.index = index;
  }
}

/** The requested index lies beyond the last index of the log. */
export class UnavailableError extends RaftError {
  readonly index: number;
  constructor(index: number) {
    super('RAFT_UNAVAILABLE', `log index ${index} is unavailable`);
    this.index = index;
  }
}

/** A peer spoke a wire protocol version this node does not understand. */
export class ProtocolVersionError extends RaftError {
  readonly remoteVersion: number;
  constructor(remoteVersion: number, message?: string) {
    super('RAFT_PROTOCOL_VERSION', message ?? `unsupported raft protocol version ${remoteVersion}`);
    this.remoteVersion = remoteVersion;
  }
}

/** A peer failed authentication. */
export class AuthError extends RaftError {
  constructor(message = 'raft peer authentication failed') {
    super('RAFT_AUTH', message);
  }
}

/** A broken invariant: the node must stop rather than corrupt the log. */
export class RaftInvariantError extends RaftError {
  constructor(message: string) {
    super('RAFT_INVARIANT', `raft invariant violated: ${message}`);
  }
}
