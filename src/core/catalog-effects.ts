// What applied catalog commands do to stored data and caches on this node: drop chDB databases
// and tables, delete rows, forget cached knowledge. Idempotent, so a replay after a crash (or a
// Raft replay) does no harm; it never decides whether a command applies (catalog.ts does).

import type { Logger } from 'pino';
import type { Catalog } from './meta/catalog.js';
import type { CatalogEffects } from './meta/catalog-applier.js';
import type { CatalogCommand } from './meta/commands.js';
import type { SeriesIndex } from './meta/series-index.js';
import type { TagValueLoader } from './meta/tag-value-loader.js';
import type { LastValueCache } from './cache/last-value-cache.js';
import type { ChdbSession } from './store/chdb-session.js';
import type { SchemaManager } from './store/ddl.js';
import type { DuplicateTracker } from './store/duplicate-tracker.js';
import { chDatabaseName, chDatabasePrefix, qualifiedTable, quoteIdent, quoteString } from './store/naming.js';
import type { FlushService } from './flush/flush-service.js';
import type { Quarantine } from './flush/quarantine.js';

export interface StoreEffectsDeps {
  readonly session: ChdbSession;
  readonly schema: SchemaManager;
  readonly duplicates: DuplicateTracker;
  readonly tagValues: TagValueLoader;
  readonly lastValues: Pick<LastValueCache, 'forget'>;
  readonly series: SeriesIndex;
  readonly flush: FlushService;
  readonly quarantine: Quarantine;
  readonly log: Logger;
  /** Loads a measurement's series into the series index again (after DROP SERIES). */
  readonly reloadSeries: (db: string, rp: string, measurement: string) => void;
}

export class StoreCatalogEffects implements CatalogEffects {
  constructor(private readonly deps: StoreEffectsDeps) {}

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.deps.flush.exclusive(fn);
  }

  async apply(command: CatalogCommand, before: Catalog, after: Catalog): Promise<void> {
    const { deps } = this;
    switch (command.kind) {
      case 'drop-database':
        await this.dropChDatabases(chDatabasePrefix(command.name), false);
        deps.duplicates.forget((t) => t.db === command.name);
        deps.tagValues.forget((db) => db === command.name);
        deps.lastValues.forget((db) => db === command.name);
        deps.series.forget(command.name);
        await deps.quarantine.forget((db) => db === command.name);
        return;
      case 'drop-retention-policy':
        await this.dropChDatabases(chDatabaseName(command.db, command.name), true);
        deps.duplicates.forget((t) => t.db === command.db && t.rp === command.name);
        deps.tagValues.forget((db, rp) => db === command.db && rp === command.name);
        deps.lastValues.forget((db, rp) => db === command.db && rp === command.name);
        deps.series.forget(command.db, command.name);
        await deps.quarantine.forget((db, rp) => db === command.db && rp === command.name);
        return;
      case 'drop-measurement': {
        for (const rp of before.database(command.db)?.retentionPolicies ?? []) {
          const table = qualifiedTable(command.db, rp.name, command.name);
          await deps.session.exec(`DROP TABLE IF EXISTS ${table} SYNC`);
          deps.schema.forgetTable(table);
          deps.series.forget(command.db, rp.name, command.name);
        }
        deps.duplicates.forget((t) => t.db === command.db && t.measurement === command.name);
        deps.tagValues.forget((db, _rp, measurement) => db === command.db && measurement === command.name);
        deps.lastValues.forget((db, _rp, measurement) => db === command.db && measurement === command.name);
        await deps.quarantine.forget((db, _rp, measurement) => db === command.db && measurement === command.name);
        return;
      }
      case 'delete-data': {
        const db = after.database(command.db);
        for (const rp of db?.retentionPolicies ?? []) {
          const names = command.measurements.length > 0 ? command.measurements : db!.measurements(rp.name).map((m) => m.name);
          for (const name of names) {
            const measurement = db!.measurement(rp.name, name);
            if (!measurement) continue;
            await deps.schema.ensureTable(command.db, rp.name, name, { tagKeys: measurement.tagKeys, fields: [...measurement.fieldTypes] });
            await deps.session.exec(`DELETE FROM ${qualifiedTable(command.db, rp.name, name)} WHERE ${command.whereSql}`);
            if (command.dropSeries) {
              deps.series.forget(command.db, rp.name, name);
              deps.reloadSeries(command.db, rp.name, name);
            }
          }
        }
        deps.tagValues.forget((db, _rp, measurement) => db === command.db && (command.measurements.length === 0 || command.measurements.includes(measurement)));
        deps.lastValues.forget((db, _rp, measurement) => db === command.db && (command.measurements.length === 0 || command.measurements.includes(measurement)));
        return;
      }
      default:
        return;
    }
  }

  /** Drops the chDB databases whose name equals `name` (exact) or starts with it. */
  private async dropChDatabases(name: string, exact: boolean): Promise<void> {
    const filter = exact ? `name = ${quoteString(name)}` : `startsWith(name, ${quoteString(name)})`;
    const result = await this.deps.session.query(`SELECT name FROM system.databases WHERE ${filter}`);
    for (const row of result.rows) {
      const chDb = String(row[0]);
      await this.deps.session.exec(`DROP DATABASE IF EXISTS ${quoteIdent(chDb)} SYNC`);
      this.deps.schema.forgetDatabase(chDb);
    }
  }
}
