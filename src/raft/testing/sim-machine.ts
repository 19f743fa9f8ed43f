// The simulator's replicated state machine: a rolling digest of applied entries, snapshot-able.
// Must never depend on anything but the entries applied in order (so digests compare across nodes).
import type { Entry } from '../core/types.js';

export interface Machine {
  applied: number;
  digest: number;
  writes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function newMachine(): Machine {
  return { applied: 0, digest: 0x811c9dc5, writes: 0 };
}

/** A printable key naming an entry's payload ('' for the leader's no-op). */
export function entryKey(e: Entry): string {
  const text = decoder.decode(e.data);
  return e.type === 'conf-change' ? `cc:${text}` : text;
}

export function applyToMachine(m: Machine, index: number, key: string): void {
  let h = (m.digest ^ index) >>> 0;
  h = Math.imul(h, 0x01000193) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  m.digest = h;
  m.applied = index;
  if (key.length > 0 && !key.startsWith('cc:')) m.writes++;
}

/** Snapshot bytes; padded by a digest-dependent amount so snapshots span several chunks. */
export function encodeMachine(m: Machine): Uint8Array {
  return encoder.encode(`${m.applied}|${m.digest}|${m.writes}|${'.'.repeat(m.digest % 157)}`);
}

export function decodeMachine(data: Uint8Array): Machine {
  if (data.byteLength === 0) return newMachine();
  const [applied, digest, writes] = decoder.decode(data).split('|');
  return { applied: Number(applied), digest: Number(digest), writes: Number(writes) };
}
