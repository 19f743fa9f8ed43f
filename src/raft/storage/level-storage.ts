// LevelDB (classic-level) adapter for the Raft log, hard state and snapshot: one atomic batch per Ready.
// Never mirrors anything into the in-memory log before it is durable, and never silently truncates a corrupt log.

import { crc32 } from 'node:zlib';
import { ClassicLevel } from 'classic-level';
import { pack, unpack } from 'msgpackr';
import { encodeConfChange } from '../core/conf-change.js';
import type { ConfState, Entry, EntryType, HardState, Snapshot, SnapshotMetadata } from '../core/types.js';
import { MemoryStorage } from './memory-storage.js';
import { hardStateNeedsSync, zeroHardState, type HardStateWriteOptions } from './hard-state-storage.js';
import type { LogStorage, OpenedLog, OpenLogOptions, StableUpdate } from './log-storage.js';

/** Thrown on open when the stored log fails a checksum or an invariant; the node must not start. */
export class LogCorruptionError extends Error {
  override readonly name = 'LogCorruptionError';
}

export interface LevelStorageOptions {
  /** Directory of the LevelDB database (one per node, separate from the data WAL). */
  readonly path: string;
  /**
   * Skip fsync on every write. Breaks Raft's durability promise (a crash can lose acknowledged
   * entries); only for benchmarks that separate CPU cost from disk latency.
   */
  readonly unsafeNoSync?: boolean;
}

type BatchOp =
  | { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: Buffer };

const KEY_HARD_STATE = Buffer.from('h');
const KEY_BOOTSTRAP_CONF = Buffer.from('c');
const KEY_SNAPSHOT_META = Buffer.from('s');
const KEY_SNAPSHOT_DATA = Buffer.from('d');
const ENTRY_PREFIX = 0x6c; // 'l'
const ENTRY_HEADER_BYTES = 4 + 6 + 1; // crc32, term (48-bit), type
const MAX_UINT48 = 2 ** 48 - 1;

/** Entry key: 'l' + 8-byte big-endian index, so keys sort by index. */
export function entryKey(index: number): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_UINT48) throw new RangeError(`bad log index ${index}`);
  const key = Buffer.allocUnsafe(9);
  key[0] = ENTRY_PREFIX;
  key.writeUInt16BE(0, 1);
  key.writeUIntBE(index, 3, 6);
  return key;
}

function entryIndexOf(key: Buffer): number {
  if (key.length !== 9 || key[0] !== ENTRY_PREFIX) throw new LogCorruptionError('unexpected key in entry range');
  return key.readUIntBE(3, 6);
}

export function encodeEntry(entry: Entry): Buffer {
  if (entry.term < 0 || entry.term > MAX_UINT48) throw new RangeError(`bad term ${entry.term}`);
  const value = Buffer.allocUnsafe(ENTRY_HEADER_BYTES + entry.data.byteLength);
  value.writeUIntBE(entry.term, 4, 6);
  value[10] = entry.type === 'conf-change' ? 1 : 0;
  value.set(entry.data, ENTRY_HEADER_BYTES);
  // The checksum covers the key too, so a value stored under the wrong index is caught.
  value.writeUInt32BE(crc32(value.subarray(4), crc32(entryKey(entry.index))), 0);
  return value;
}

export function decodeEntry(key: Buffer, value: Buffer): Entry {
  const index = entryIndexOf(key);
  if (value.length < ENTRY_HEADER_BYTES) throw new LogCorruptionError(`entry ${index}: truncated value`);
  if (value.readUInt32BE(0) !== crc32(value.subarray(4), crc32(key))) {
    throw new LogCorruptionError(`entry ${index}: checksum mismatch`);
  }
  const typeCode = value[10];
  if (typeCode !== 0 && typeCode !== 1) throw new LogCorruptionError(`entry ${index}: unknown type ${String(typeCode)}`);
  const type: EntryType = typeCode === 1 ? 'conf-change' : 'normal';
  return { index, term: value.readUIntBE(4, 6), type, data: value.subarray(ENTRY_HEADER_BYTES) };
}

/** A msgpackr value with a leading crc32. */
function seal(payload: Uint8Array): Buffer {
  const value = Buffer.allocUnsafe(4 + payload.byteLength);
  value.set(payload, 4);
  value.writeUInt32BE(crc32(payload), 0);
  return value;
}

function unseal(what: string, value: Buffer): Buffer {
  if (value.length < 4 || value.readUInt32BE(0) !== crc32(value.subarray(4))) {
    throw new LogCorruptionError(`${what}: checksum mismatch`);
  }
  return value.subarray(4);
}

function encodeHardState(hardState: HardState): Buffer {
  return seal(pack({ term: hardState.term, vote: hardState.vote, commit: hardState.commit }));
}

function decodeHardState(value: Buffer): HardState {
  const raw = unpack(unseal('hard state', value)) as { term?: unknown; vote?: unknown; commit?: unknown };
  if (typeof raw.term !== 'number' || typeof raw.commit !== 'number' || (raw.vote !== null && typeof raw.vote !== 'string')) {
    throw new LogCorruptionError('hard state: malformed');
  }
  return { term: raw.term, vote: raw.vote, commit: raw.commit };
}

function decodeConfState(what: string, raw: unknown): ConfState {
  const conf = raw as { voters?: unknown; learners?: unknown } | null;
  if (!conf || !Array.isArray(conf.voters) || !Array.isArray(conf.learners)) throw new LogCorruptionError(`${what}: malformed conf state`);
  return { voters: conf.voters.map(String), learners: conf.learners.map(String) };
}

function decodeSnapshotMeta(value: Buffer): SnapshotMetadata {
  const raw = unpack(unseal('snapshot metadata', value)) as { index?: unknown; term?: unknown; confState?: unknown };
  if (typeof raw.index !== 'number' || typeof raw.term !== 'number') throw new LogCorruptionError('snapshot metadata: malformed');
  return { index: raw.index, term: raw.term, confState: decodeConfState('snapshot metadata', raw.confState) };
}

function snapshotOps(snapshot: Snapshot): BatchOp[] {
  const meta = { index: snapshot.metadata.index, term: snapshot.metadata.term, confState: snapshot.metadata.confState };
  return [
    { type: 'put', key: KEY_SNAPSHOT_META, value: seal(pack(meta)) },
    { type: 'put', key: KEY_SNAPSHOT_DATA, value: seal(snapshot.data) },
  ];
}

/** Log entries for a fresh cluster: one committed add-voter / add-learner entry per member at term 1 (etcd's bootstrap). */
export function bootstrapEntries(conf: ConfState): Entry[] {
  const members = [
    ...[...conf.voters].sort().map((id) => ({ kind: 'add-voter' as const, id })),
    ...[...conf.learners].sort().map((id) => ({ kind: 'add-learner' as const, id })),
  ];
  return members.map((change, i) => ({ term: 1, index: i + 1, type: 'conf-change' as const, data: encodeConfChange(change) }));
}

export class LevelStorage implements LogStorage {
  private readonly db: ClassicLevel<Buffer, Buffer>;
  private memory: MemoryStorage | null = null;
  private opened: Promise<OpenedLog> | null = null;
  private closing: Promise<void> | null = null;
  private durableHardState: HardState = zeroHardState;
  /** Durable entry range [firstIndex, lastIndex]; empty when lastIndex < firstIndex. */
  private firstIndex = 1;
  private lastIndex = 0;
  private snapshotIndex = 0;
  /** Serialises writes: LevelDB batches are atomic, but our mirror of them must follow their order. */
  private tail: Promise<unknown> = Promise.resolve();
  private background: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LevelStorageOptions) {
    this.db = new ClassicLevel<Buffer, Buffer>(options.path, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  }

  get path(): string {
    return this.options.path;
  }

  get reader(): MemoryStorage {
    if (!this.memory) throw new Error('LevelStorage: open() first');
    return this.memory;
  }

  open(options: OpenLogOptions = {}): Promise<OpenedLog> {
    if (this.closing) return Promise.reject(new Error('LevelStorage: closed'));
    this.opened ??= this.load(options).catch(async (error: unknown) => {
      await this.db.close().catch(() => undefined); // release the LOCK so an operator tool can open it
      throw error;
    });
    return this.opened;
  }

  private async load(options: OpenLogOptions): Promise<OpenedLog> {
    await this.db.open();
    let hardStateValue = await this.db.get(KEY_HARD_STATE);
    const bootstrapValue = await this.db.get(KEY_BOOTSTRAP_CONF);
    const metaValue = await this.db.get(KEY_SNAPSHOT_META);
    let fresh = false;
    if (hardStateValue === undefined && metaValue === undefined) {
      fresh = true;
      if (options.bootstrap) await this.writeBootstrap(options.bootstrap);
      hardStateValue = await this.db.get(KEY_HARD_STATE);
    }
    const hardState = hardStateValue === undefined ? zeroHardState : decodeHardState(hardStateValue);
    let snapshot: Snapshot | null = null;
    if (metaValue !== undefined) {
      const dataValue = await this.db.get(KEY_SNAPSHOT_DATA);
      if (dataValue === undefined) throw new LogCorruptionError('snapshot data missing');
      snapshot = { metadata: decodeSnapshotMeta(metaValue), data: unseal('snapshot data', dataValue) };
    }
    const bootConf = bootstrapValue === undefined
      ? { voters: [...options.bootstrap?.voters ?? []].sort(), learners: [...options.bootstrap?.learners ?? []].sort() }
      : decodeConfState('bootstrap conf', unpack(unseal('bootstrap conf', bootstrapValue)));
    const entries = await this.loadEntries(snapshot?.metadata ?? null);
    this.checkLoaded(hardState, snapshot?.metadata ?? null, entries);

    const snapIndex = snapshot?.metadata.index ?? 0;
    this.snapshotIndex = snapIndex;
    this.durableHardState = hardState;
    this.firstIndex = entries[0]?.index ?? snapIndex + 1;
    this.lastIndex = entries.at(-1)?.index ?? snapIndex;
    this.memory = new MemoryStorage({
      confState: snapshot?.metadata.confState ?? bootConf,
      hardState,
      ...(snapshot ? { snapshot } : {}),
      entries,
    });
    return { fresh, hardState, snapshot, firstIndex: this.firstIndex, lastIndex: this.lastIndex };
  }

  private async writeBootstrap(unsorted: ConfState): Promise<void> {
    const conf: ConfState = { voters: [...unsorted.voters].sort(), learners: [...unsorted.learners].sort() };
    const entries = bootstrapEntries(conf);
    const ops: BatchOp[] = entries.map((entry) => ({ type: 'put', key: entryKey(entry.index), value: encodeEntry(entry) }));
    ops.push({ type: 'put', key: KEY_BOOTSTRAP_CONF, value: seal(pack({ voters: conf.voters, learners: conf.learners })) });
    ops.push({ type: 'put', key: KEY_HARD_STATE, value: encodeHardState({ term: 1, vote: null, commit: entries.length }) });
    await this.db.batch(ops, { sync: true });
  }

  /** Entries after the snapshot, contiguous. Leftovers at or below the snapshot index (an interrupted compaction) are skipped. */
  private async loadEntries(snapshot: SnapshotMetadata | null): Promise<Entry[]> {
    const snapIndex = snapshot?.index ?? 0;
    const entries: Entry[] = [];
    for await (const [key, value] of this.db.iterator({ gt: entryKey(snapIndex), lte: entryKey(MAX_UINT48) })) {
      const entry = decodeEntry(key, value);
      const expected = (entries.at(-1)?.index ?? snapIndex) + 1;
      if (entry.index !== expected) throw new LogCorruptionError(`log gap: expected entry ${expected}, found ${entry.index}`);
      entries.push(entry);
    }
    return entries;
  }

  private checkLoaded(hardState: HardState, snapshot: SnapshotMetadata | null, entries: readonly Entry[]): void {
    const snapIndex = snapshot?.index ?? 0;
    const lastIndex = entries.at(-1)?.index ?? snapIndex;
    if (hardState.commit > lastIndex) throw new LogCorruptionError(`commit ${hardState.commit} beyond last index ${lastIndex}`);
    let previousTerm = snapshot?.term ?? 0;
    for (const entry of entries) {
      if (entry.term < previousTerm) throw new LogCorruptionError(`entry ${entry.index}: term ${entry.term} < previous ${previousTerm}`);
      previousTerm = entry.term;
    }
    if (previousTerm > hardState.term && hardState.term !== 0) {
      throw new LogCorruptionError(`last entry term ${previousTerm} beyond hard state term ${hardState.term}`);
    }
  }

  hardState(): HardState {
    return this.durableHardState;
  }

  saveHardState(hardState: HardState, options: HardStateWriteOptions): Promise<void> {
    return this.persist({ hardState, entries: [], snapshot: null }, options);
  }

  persist(update: StableUpdate, options: { readonly sync: boolean }): Promise<void> {
    const run = this.tail.then(() => this.persistNow(update, options.sync));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Whether a Ready's update must be fsynced before its messages go out (etcd's mustSync). */
  needsSync(update: StableUpdate): boolean {
    return update.entries.length > 0 || update.snapshot !== null ||
      (update.hardState !== null && hardStateNeedsSync(this.durableHardState, update.hardState));
  }

  private async persistNow(update: StableUpdate, sync: boolean): Promise<void> {
    const memory = this.reader;
    const ops: BatchOp[] = [];
    let first = this.firstIndex;
    let last = this.lastIndex;
    if (update.snapshot) {
      const snapIndex = update.snapshot.metadata.index;
      ops.push(...snapshotOps(update.snapshot));
      // Everything after the snapshot is stale: drop it in the same batch. Below it, loading skips leftovers.
      for (let index = Math.max(snapIndex + 1, first); index <= last; index++) ops.push({ type: 'del', key: entryKey(index) });
      first = snapIndex + 1;
      last = snapIndex;
    }
    // Entries at or below the snapshot are already covered (MemoryStorage skips them the same way).
    const entries = update.entries.length > 0 && update.entries[0]!.index < first
      ? update.entries.filter((entry) => entry.index >= first)
      : update.entries;
    if (entries.length > 0) {
      const head = entries[0]!;
      const tailIndex = entries.at(-1)!.index;
      if (head.index > last + 1) throw new Error(`LevelStorage: append at ${head.index} leaves a gap after ${last}`);
      for (let index = tailIndex + 1; index <= last; index++) ops.push({ type: 'del', key: entryKey(index) });
      for (const entry of entries) ops.push({ type: 'put', key: entryKey(entry.index), value: encodeEntry(entry) });
      last = tailIndex;
    }
    if (update.hardState) ops.push({ type: 'put', key: KEY_HARD_STATE, value: encodeHardState(update.hardState) });
    if (ops.length > 0) await this.write(ops, sync);

    if (update.snapshot) {
      memory.applySnapshot(update.snapshot);
      this.snapshotIndex = update.snapshot.metadata.index;
      this.clearBelow(this.snapshotIndex + 1);
    }
    if (entries.length > 0) memory.append(entries);
    if (update.hardState) {
      memory.setHardState(update.hardState);
      this.durableHardState = update.hardState;
    }
    this.firstIndex = first;
    this.lastIndex = last;
  }

  /** One atomic batch. The chained form skips abstract-level's per-operation validation (hot path). */
  private async write(ops: readonly BatchOp[], sync: boolean): Promise<void> {
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    await batch.write({ sync: sync && this.options.unsafeNoSync !== true });
  }

  saveSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot> {
    const run = this.tail.then(async () => {
      const memory = this.reader;
      if (index <= this.snapshotIndex) return memory.snapshot();
      if (index > this.lastIndex) throw new RangeError(`LevelStorage: snapshot index ${index} beyond last index ${this.lastIndex}`);
      const term = memory.term(index);
      const snapshot: Snapshot = { metadata: { index, term, confState }, data };
      await this.db.batch(snapshotOps(snapshot), { sync: this.options.unsafeNoSync !== true });
      this.snapshotIndex = index;
      return memory.createSnapshot(index, confState, data);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  compact(index: number): Promise<void> {
    const run = this.tail.then(async () => {
      if (index < this.firstIndex) return;
      if (index > this.snapshotIndex) throw new RangeError(`LevelStorage: compact(${index}) beyond snapshot ${this.snapshotIndex}`);
      this.reader.compact(index);
      const from = this.firstIndex;
      this.firstIndex = index + 1;
      // Not part of a synced batch on purpose: after a crash, loading skips entries covered by the snapshot.
      await this.db.clear({ gte: entryKey(from), lte: entryKey(index) });
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  private clearBelow(index: number): void {
    const job = this.db.clear({ gte: entryKey(0), lt: entryKey(index) });
    this.background = Promise.all([this.background, job.catch(() => undefined)]);
  }

  /** Durable entry range, for tests and metrics. */
  range(): { readonly firstIndex: number; readonly lastIndex: number; readonly snapshotIndex: number } {
    return { firstIndex: this.firstIndex, lastIndex: this.lastIndex, snapshotIndex: this.snapshotIndex };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.opened?.catch(() => undefined);
      await this.tail;
      await this.background;
      await this.db.close();
    })();
    return this.closing;
  }
}
