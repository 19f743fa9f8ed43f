// Membership changes: the wire encoding of a ConfChange and its pure application to a ConfState.
// Must never produce a voter that is also a learner, nor accept a malformed encoding silently.
import { assert } from './assert.js';
import type { ConfChange, ConfState, NodeId } from './types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify(change));
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const raw: unknown = JSON.parse(decoder.decode(data));
  assert(typeof raw === 'object' && raw !== null, 'conf change: not an object');
  const obj = raw as { kind?: unknown; id?: unknown; address?: unknown };
  assert(typeof obj.id === 'string' && obj.id.length > 0, 'conf change: bad id');
  const address = typeof obj.address === 'string' ? { address: obj.address } : {};
  switch (obj.kind) {
    case 'add-voter':
      return { kind: 'add-voter', id: obj.id, ...address };
    case 'add-learner':
      return { kind: 'add-learner', id: obj.id, ...address };
    case 'remove':
      return { kind: 'remove', id: obj.id };
    default:
      throw new Error(`conf change: unknown kind ${String(obj.kind)}`);
  }
}

function without(ids: readonly NodeId[], id: NodeId): NodeId[] {
  return ids.filter((x) => x !== id);
}

/** The configuration after `change`; adding a learner that is already a voter demotes it. */
export function applyConfChangeToState(state: ConfState, change: ConfChange): ConfState {
  let voters = without(state.voters, change.id);
  let learners = without(state.learners, change.id);
  if (change.kind === 'add-voter') voters = [...voters, change.id];
  if (change.kind === 'add-learner') learners = [...learners, change.id];
  voters.sort();
  learners.sort();
  return { voters, learners };
}

export function isMember(state: ConfState, id: NodeId): boolean {
  return state.voters.includes(id) || state.learners.includes(id);
}
