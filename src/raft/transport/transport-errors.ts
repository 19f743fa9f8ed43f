// Errors the TCP transport reports about peers; AuthError and ProtocolVersionError come from the raft error tree.
// Never thrown into the Raft core: they are logged and emitted as 'peer-error'.

import { RaftError } from '../errors.js';

export { AuthError, ProtocolVersionError } from '../errors.js';

/** A connection-level failure other than authentication or version (bad frame, timeout, wrong node). */
export class TransportError extends RaftError {
  constructor(message: string) {
    super('RAFT_TRANSPORT', message);
  }
}
