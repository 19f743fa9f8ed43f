// Public surface of @hyperbytedb/raft: the pure core, the driver (createRaftNode), storage and transport adapters.
// Imports nothing from the rest of the repository; the simulator kit lives under "@hyperbytedb/raft/testing".

export type * from './core/types.js';
export { RaftCore } from './core/raft.js';
export { encodeConfChange, decodeConfChange } from './core/conf-change.js';
export {
  RaftError, NotLeaderError, ProposalDroppedError, CompactedError, UnavailableError,
  ProtocolVersionError, AuthError, RaftInvariantError,
} from './errors.js';

export {
  createRaftNode, defaultRaftNodeOptions, RaftTimeoutError, NodeStoppedError,
  type RaftNode, type RaftNodeOptions, type RaftNodeMetrics, type RaftNodeEvents, type StateMachine, type RaftTuning,
} from './node.js';
export { registerRaftMetrics, type RaftMetricsOptions } from './metrics.js';
export { systemClock, type Clock, type TimerHandle } from './clock.js';
export { silentLogger, type RaftLogger } from './logger.js';

export type { LogStorage, StableUpdate, OpenLogOptions, OpenedLog } from './storage/log-storage.js';
export type { HardStateStorage, HardStateWriteOptions } from './storage/hard-state-storage.js';
export { MemoryStorage } from './storage/memory-storage.js';
export { LevelStorage, LogCorruptionError, type LevelStorageOptions } from './storage/level-storage.js';

export { parseAddress, type Transport, type TransportHandlers, type PeerAddress, type PeerStats } from './transport/transport.js';
export {
  NetTransport, PROTOCOL_VERSION, defaultNetTransportOptions, type NetTransportOptions, type NetTransportEvents,
} from './transport/net-transport.js';
export { TransportError } from './transport/transport-errors.js';
export { FrameTooLargeError, DEFAULT_MAX_FRAME_BYTES } from './transport/frame-codec.js';
