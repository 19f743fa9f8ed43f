// The client history of a chaos run: every request as an `invoke` line and a completion line
// (`ok` | `fail` | `unknown`), appended to JSONL on disk. Never guesses an outcome it did not observe.
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

/** ok: definitely happened; fail: definitely did not; unknown: may have happened, now or later. */
export type Outcome = 'ok' | 'fail' | 'unknown';
export type OpType = 'invoke' | Outcome;

export interface WriteValue {
  readonly measurement: string;
  readonly ids: readonly number[];
  /** Delete group the points belong to (measurement chaos_del only). */
  readonly group?: string;
}
export interface DdlValue {
  readonly action: 'create' | 'drop';
  readonly db: string;
}
export interface DeleteValue {
  readonly measurement: string;
  readonly group: string;
}

export type OpBody =
  | { readonly f: 'write'; readonly value: WriteValue }
  | { readonly f: 'ddl'; readonly value: DdlValue }
  | { readonly f: 'delete'; readonly value: DeleteValue };

export type HistoryEntry = OpBody & {
  readonly index: number;
  /** Milliseconds since the run started (monotonic clock). */
  readonly timeMs: number;
  /** Logical client process; a process whose op ended `unknown` is retired (its op may still land). */
  readonly process: number;
  readonly type: OpType;
  readonly node: string;
  readonly status?: number;
  readonly error?: string;
};

/** An invocation paired with its completion; an invoke never completed counts as `unknown`. */
export type Operation = OpBody & {
  readonly process: number;
  readonly node: string;
  readonly outcome: Outcome;
  readonly invokeMs: number;
  readonly completeMs: number | null;
  readonly error?: string;
};

export class HistoryLimitError extends Error {
  constructor(limit: number) {
    super(`history reached its limit of ${limit} entries`);
    this.name = 'HistoryLimitError';
  }
}

export interface HistoryRecorderOptions {
  readonly path: string;
  /** Entries kept (and written) at most; the workload stops when it is reached. */
  readonly maxEntries: number;
  readonly startedAtMs?: number;
}

export class HistoryRecorder {
  private readonly stream: WriteStream;
  private readonly kept: HistoryEntry[] = [];
  private readonly startedAtMs: number;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: HistoryRecorderOptions) {
    this.stream = createWriteStream(options.path, { flags: 'a' });
    this.startedAtMs = options.startedAtMs ?? performance.now();
  }

  nowMs(): number {
    return Math.round((performance.now() - this.startedAtMs) * 1000) / 1000;
  }

  /** Appends one entry; throws HistoryLimitError once the bound is reached. */
  append(entry: Omit<HistoryEntry, 'index' | 'timeMs'>): HistoryEntry {
    if (this.kept.length >= this.options.maxEntries) throw new HistoryLimitError(this.options.maxEntries);
    const full = { index: this.kept.length, timeMs: this.nowMs(), ...entry } as HistoryEntry;
    this.kept.push(full);
    this.stream.write(JSON.stringify(full) + '\n');
    return full;
  }

  entries(): readonly HistoryEntry[] {
    return this.kept;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    return this.closing;
  }
}

export function readHistory(path: string): HistoryEntry[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as HistoryEntry);
}

/** Pairs each invoke with the next completion of the same process (Jepsen's history model). */
export function pairOperations(history: readonly HistoryEntry[]): Operation[] {
  const open = new Map<number, HistoryEntry>();
  const ops: Operation[] = [];
  const finish = (invoke: HistoryEntry, completion: HistoryEntry | null): void => {
    const outcome: Outcome = completion === null || completion.type === 'invoke' ? 'unknown' : completion.type;
    const error = completion?.error;
    ops.push({
      f: invoke.f, value: invoke.value, process: invoke.process, node: invoke.node, outcome,
      invokeMs: invoke.timeMs, completeMs: completion?.timeMs ?? null, ...(error !== undefined ? { error } : {}),
    } as Operation);
  };
  for (const entry of history) {
    if (entry.type === 'invoke') {
      const previous = open.get(entry.process);
      if (previous) finish(previous, null);
      open.set(entry.process, entry);
      continue;
    }
    const invoke = open.get(entry.process);
    if (!invoke) throw new Error(`history entry ${entry.index}: completion without an invoke for process ${entry.process}`);
    open.delete(entry.process);
    finish(invoke, entry);
  }
  for (const invoke of open.values()) finish(invoke, null);
  return ops;
}
