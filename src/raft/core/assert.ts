// Invariant assertion for the pure core: a broken invariant stops the node loudly.
// Must never be used for input validation of remote data that may legitimately be stale.
import { RaftInvariantError } from '../errors.js';

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RaftInvariantError(message);
}
