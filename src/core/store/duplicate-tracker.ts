// Knows, per table, whether its parts may hold one (series, time) twice, which is what decides
// whether a read needs FINAL's merge. Pure bookkeeping: no I/O, no timers; the look at
// system.parts is injected as a probe.
//
// Why this is enough: each flush inserts rows free of duplicates, and merges never create any,
// so a duplicate needs an insert whose times reach back to or below the table's newest row.
// The flush reports every insert (before and after); a table becomes clean again only when a
// probe of its parts, run while no insert started or ran, finds no two parts overlapping in time.

import type { ReadScope } from '../query/execute/query-port.js';

export interface TableRef {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
}

export interface PartsProbeResult {
  /** Two active parts overlap in time (or a part's range cannot be trusted). */
  readonly mayHoldDuplicates: boolean;
  /** An upper bound of the table's row times; MIN_TIME_NS when it has no rows. */
  readonly maxTimeNs: bigint;
}

export type PartsProbe = (table: TableRef) => Promise<PartsProbeResult>;

const MIN_TIME_NS = -(2n ** 63n);

interface TableState {
  status: 'unknown' | 'clean' | 'dirty';
  /** Upper bound of row times; undefined when unknown (treated as +infinity). */
  maxTimeNs: bigint | undefined;
  /** Inserts started so far: a probe's answer is taken only if none started while it ran. */
  inserts: number;
  /** Inserts that may have added duplicates (and forgets): a read without FINAL is valid if none started while it ran. */
  dirtyings: number;
  /** Inserts running now. */
  running: number;
  probing: Promise<void> | null;
  /** When the last probe started (a counter), so re-probes go round all unclean tables. */
  probedAt: number;
}


function keyOf(table: TableRef): string {
  return `${table.db}\u0000${table.rp}\u0000${table.measurement}`;
}

export class DuplicateTracker {
  private readonly tables = new Map<string, TableState>();
  private probes = 0;

  constructor(private readonly probe: PartsProbe) {}

  private state(table: TableRef): TableState {
    const key = keyOf(table);
    let state = this.tables.get(key);
    if (!state) this.tables.set(key, (state = { status: 'unknown', maxTimeNs: undefined, inserts: 0, dirtyings: 0, running: 0, probing: null, probedAt: 0 }));
    return state;
  }

  /**
   * A scope for one statement. Tables in an unknown state are read with FINAL while a probe
   * learns their state in the background. `forceFinal` answers FINAL for every table (the retry
   * after a scope went stale).
   */
  readScope(forceFinal: boolean): ReadScope {
    const seen = new Map<TableState, number>();
    return {
      needsFinal: (table) => {
        if (forceFinal) return true;
        const state = this.state(table);
        if (state.status === 'unknown') {
          void this.refresh(table);
          return true;
        }
        if (state.status === 'dirty') return true;
        if (!seen.has(state)) seen.set(state, state.dirtyings);
        return false;
      },
      stillValid: () => {
        for (const [state, dirtyings] of seen) if (state.dirtyings !== dirtyings) return false;
        return true;
      },
    };
  }

  /**
   * Called by the flush before inserting rows with times in [minTimeNs, …]: an insert reaching
   * back to or below the newest row may duplicate one, and makes the table dirty first.
   */
  beforeInsert(table: TableRef, minTimeNs: bigint): void {
    const state = this.state(table);
    state.inserts++;
    state.running++;
    if (state.status !== 'clean' || state.maxTimeNs === undefined || minTimeNs <= state.maxTimeNs) {
      state.status = 'dirty';
      state.dirtyings++;
    }
  }

  /** Called after the insert, whether it succeeded or not (a failed insert may still have landed). */
  afterInsert(table: TableRef, maxTimeNs: bigint): void {
    const state = this.state(table);
    state.running = Math.max(0, state.running - 1);
    if (state.maxTimeNs !== undefined && maxTimeNs > state.maxTimeNs) state.maxTimeNs = maxTimeNs;
  }

  /** The table was dropped (or its data replaced): forget what was known. */
  forget(match: (table: TableRef) => boolean): void {
    for (const [key, state] of this.tables) {
      const [db = '', rp = '', measurement = ''] = key.split('\u0000');
      if (!match({ db, rp, measurement })) continue;
      this.tables.delete(key);
      // A scope holding the old state must not mistake it for unchanged.
      state.inserts++;
      state.dirtyings++;
      state.status = 'unknown';
    }
  }

  /**
   * Up to `limit` tables that are not known clean, least recently probed first: the flush
   * re-probes these when idle (background merges clean them).
   */
  uncleanTables(limit: number): TableRef[] {
    const unclean: Array<[string, TableState]> = [];
    for (const entry of this.tables) if (entry[1].status !== 'clean') unclean.push(entry);
    unclean.sort((a, b) => a[1].probedAt - b[1].probedAt);
    return unclean.slice(0, limit).map(([key]) => {
      const [db = '', rp = '', measurement = ''] = key.split('\u0000');
      return { db, rp, measurement };
    });
  }

  /** Learns an unknown table's state now (the flush does this before a table's first insert). */
  async learn(table: TableRef): Promise<void> {
    if (this.state(table).status === 'unknown') await this.refresh(table);
  }

  /** Whether the table is known clean (tests and metrics). */
  isClean(table: TableRef): boolean {
    return this.tables.get(keyOf(table))?.status === 'clean';
  }

  /**
   * Probes the table's parts and takes the answer only if no insert started or ran meanwhile
   * (such an answer may miss that insert's part). One probe per table at a time.
   */
  refresh(table: TableRef): Promise<void> {
    const state = this.state(table);
    if (state.probing) return state.probing;
    if (state.status === 'clean' || state.running > 0) return Promise.resolve();
    const inserts = state.inserts;
    state.probedAt = ++this.probes;
    const probing = this.probe(table)
      .then((result) => {
        if (state.inserts !== inserts || state.running > 0 || this.tables.get(keyOf(table)) !== state) return;
        state.status = result.mayHoldDuplicates ? 'dirty' : 'clean';
        state.maxTimeNs = result.maxTimeNs;
      })
      .catch(() => undefined)
      .finally(() => {
        state.probing = null;
      });
    state.probing = probing;
    return probing;
  }
}

export { MIN_TIME_NS as EMPTY_TABLE_MAX_TIME_NS };
