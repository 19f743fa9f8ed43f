// Applies catalog commands at an index, one step at a time: the pure catalog decides, the effects
// (drops and deletes in chDB, caches) run, then the new catalog is persisted and published.
// The one path every catalog change takes, whether it came from this node or from Raft.

import type { Catalog } from './catalog.js';
import type { CatalogStore } from './catalog-store.js';
import { isSchemaOnly, type CatalogCommand } from './commands.js';

export interface CatalogEffects {
  /**
   * Does to stored data and caches what `command` means (drop a table, delete rows). Runs before
   * the catalog holding the command is persisted, so a crash in between runs it again: it must
   * be idempotent.
   */
  apply(command: CatalogCommand, before: Catalog, after: Catalog): Promise<void>;
  /** Runs `fn` while no flush runs, so the flush never sees data of a table half dropped. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** Where commands come from: the index they apply at, or the next one after the current catalog. */
export type ApplyIndex = number | 'next';

export class CatalogApplier {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CatalogStore,
    private readonly effects: CatalogEffects,
  ) {}

  get catalog(): Catalog {
    return this.store.catalog;
  }

  get sidecar(): Buffer | undefined {
    return this.store.sidecar;
  }

  /**
   * Applies `commands` as one step at `index`, after every step before it. An index at or below
   * the current one was applied already (a replay after a restart) and changes nothing. A
   * refused command throws and changes nothing. `sidecar` (the cluster's own state) is persisted
   * with the catalog.
   */
  apply(commands: readonly CatalogCommand[], index: ApplyIndex, sidecar?: (catalog: Catalog) => Buffer | undefined): Promise<Catalog> {
    const run = this.tail.then(() => this.applyNow(commands, index, sidecar));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Replaces the catalog wholesale (a snapshot), first doing to stored data what the commands
   * between the two catalogs did (drops, deletes), then persisting it with its sidecar.
   */
  restore(next: Catalog, sidecar: Buffer): Promise<void> {
    const run = this.tail.then(() =>
      this.effects.exclusive(async () => {
        const before = this.store.catalog;
        for (const command of catchUpCommands(before, next)) await this.effects.apply(command, before, next);
        await this.store.persist(next, sidecar);
      }),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async applyNow(commands: readonly CatalogCommand[], index: ApplyIndex, sidecar?: (catalog: Catalog) => Buffer | undefined): Promise<Catalog> {
    const before = this.store.catalog;
    const at = index === 'next' ? before.index + 1 : index;
    if (at <= before.index) return before;
    const after = before.applyAll(commands, at);
    const publish = async (): Promise<void> => {
      for (const command of commands) if (!isSchemaOnly(command)) await this.effects.apply(command, before, after);
      await this.store.persist(after, sidecar?.(after));
    };
    if (commands.every(isSchemaOnly)) await publish();
    else await this.effects.exclusive(publish);
    return after;
  }
}

/** The port every catalog change goes through: locally, or through Raft in a cluster. */
export interface CatalogWriter {
  /** Applies the commands as one step; resolves once they are applied (and their effects done) on this node. */
  apply(commands: readonly CatalogCommand[]): Promise<void>;
  /**
   * Resolves once this node's catalog holds every change committed before the call (a Raft read
   * barrier in a cluster), so a statement that decides from it (does the database exist, which
   * measurements does a DELETE name) decides on the committed catalog; a single node's is current.
   */
  barrier(): Promise<void>;
}

/** A single node's writer: the next local index, straight to the applier. */
export class LocalCatalogWriter implements CatalogWriter {
  constructor(private readonly applier: CatalogApplier) {}

  async apply(commands: readonly CatalogCommand[]): Promise<void> {
    await this.applier.apply(commands, 'next');
  }

  barrier(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * What replacing `before` by `after` wholesale (a Raft snapshot from the leader) means for stored
 * data: the drops and deletes that happened between them, as commands for the effects.
 */
export function catchUpCommands(before: Catalog, after: Catalog): CatalogCommand[] {
  const commands: CatalogCommand[] = [];
  for (const name of before.databaseNames()) {
    const old = before.databases.get(name)!;
    const next = after.databases.get(name);
    if (next === undefined) {
      commands.push({ kind: 'drop-database', name });
      continue;
    }
    for (const rp of old.rps.keys()) if (!next.rps.has(rp)) commands.push({ kind: 'drop-retention-policy', db: name, name: rp });
    for (const [rp, byName] of old.measurementsByRp) {
      if (!next.rps.has(rp)) continue;
      for (const [measurement, state] of byName) {
        const now = next.measurementsByRp.get(rp)?.get(measurement);
        if (now === undefined || now.createdAtIndex !== state.createdAtIndex) commands.push({ kind: 'drop-measurement', db: name, name: measurement });
      }
    }
  }
  for (const record of after.deletes) {
    if (record.index > before.index && after.databases.has(record.db)) {
      commands.push({ kind: 'delete-data', db: record.db, measurements: record.measurements, whereSql: record.whereSql, dropSeries: false });
    }
  }
  return commands;
}
