// Merges back-to-back append messages to the same follower into one, before they are sent.
// Pure; must never reorder messages to a peer or change what the follower ends up storing.

import type { Entry, Message } from './core/types.js';

const ENTRY_OVERHEAD_BYTES = 24;

function lastOf(message: Message): { readonly index: number; readonly term: number } {
  const entries = message.entries ?? [];
  const last = entries[entries.length - 1];
  return last ? { index: last.index, term: last.term } : { index: message.index ?? 0, term: message.logTerm ?? 0 };
}

function bytesOf(entries: readonly Entry[]): number {
  let bytes = 0;
  for (const entry of entries) bytes += entry.data.byteLength + ENTRY_OVERHEAD_BYTES;
  return bytes;
}

/**
 * The core emits one append per proposal; a batch of N proposals becomes N appends per follower,
 * each answered separately. When append B to a peer directly follows append A to the same peer
 * in the same term and B starts where A ends, "A then B" equals one append carrying both (B's
 * commit is at least A's), answered once for the last index, which frees A's inflight slot too.
 * Merging stops at `maxBytes` of entries so frames stay bounded.
 */
export function coalesceAppends(messages: readonly Message[], maxBytes: number): Message[] {
  if (messages.length < 2) return messages as Message[];
  /** A run of mergeable appends to one peer; materialized once at the end (no per-merge copies). */
  interface Run { readonly first: Message; last: Message; entries: Entry[] | null; bytes: number }
  const slots: (Message | Run)[] = [];
  const lastByPeer = new Map<string, Run | null>();
  for (const message of messages) {
    const run = lastByPeer.get(message.to);
    if (message.type === 'append' && run && run.last.term === message.term) {
      const end = lastOf(run.last);
      const added = message.entries ?? [];
      const addBytes = bytesOf(added);
      if (message.index === end.index && message.logTerm === end.term && run.bytes + addBytes <= maxBytes) {
        run.entries ??= [...(run.first.entries ?? [])];
        for (const entry of added) run.entries.push(entry);
        run.last = message;
        run.bytes += addBytes;
        continue;
      }
    }
    if (message.type === 'append') {
      const started: Run = { first: message, last: message, entries: null, bytes: bytesOf(message.entries ?? []) };
      lastByPeer.set(message.to, started);
      slots.push(started);
    } else {
      lastByPeer.set(message.to, null);
      slots.push(message);
    }
  }
  return slots.map((slot) => {
    if (!('first' in slot)) return slot;
    if (slot.entries === null) return slot.first;
    return { ...slot.last, index: slot.first.index ?? 0, logTerm: slot.first.logTerm ?? 0, entries: slot.entries };
  });
}
