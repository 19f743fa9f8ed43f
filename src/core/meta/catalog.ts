// The catalog as an immutable value: databases, retention policies, measurements (tag keys,
// field types). apply(command) returns a new Catalog; it never performs I/O.

import type { FieldType } from '../model/point.js';
import type { DatabaseView, MeasurementView, RetentionPolicyInfo, SchemaView } from './schema-view.js';
import type { CatalogCommand } from './commands.js';

export const DEFAULT_RP = 'autogen';
const WEEK_NS = 7n * 24n * 3600n * 1_000_000_000n;
const DAY_NS = 24n * 3600n * 1_000_000_000n;
const HOUR_NS = 3600n * 1_000_000_000n;

/** InfluxDB 1.x: shard group duration follows the retention duration when not given. */
export function defaultShardGroupDurationNs(durationNs: bigint): bigint {
  if (durationNs === 0n || durationNs >= 180n * DAY_NS) return WEEK_NS;
  if (durationNs >= 2n * DAY_NS) return DAY_NS;
  return HOUR_NS;
}

export interface MeasurementState extends MeasurementView {}

export interface DatabaseState {
  readonly name: string;
  readonly defaultRetentionPolicy: string;
  readonly rps: ReadonlyMap<string, RetentionPolicyInfo>;
  /** rp → measurement name → schema */
  readonly measurementsByRp: ReadonlyMap<string, ReadonlyMap<string, MeasurementState>>;
}

class DatabaseViewImpl implements DatabaseView {
  constructor(private readonly state: DatabaseState) {}
  get name(): string {
    return this.state.name;
  }
  get defaultRetentionPolicy(): string {
    return this.state.defaultRetentionPolicy;
  }
  get retentionPolicies(): readonly RetentionPolicyInfo[] {
    return [...this.state.rps.values()];
  }
  measurements(rp: string): readonly MeasurementView[] {
    const byName = this.state.measurementsByRp.get(rp);
    if (!byName) return [];
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  measurement(rp: string, name: string): MeasurementView | undefined {
    return this.state.measurementsByRp.get(rp)?.get(name);
  }
}

export class Catalog implements SchemaView {
  static empty(): Catalog {
    return new Catalog(new Map());
  }

  constructor(readonly databases: ReadonlyMap<string, DatabaseState>) {}

  databaseNames(): readonly string[] {
    return [...this.databases.keys()];
  }

  database(name: string): DatabaseView | undefined {
    const state = this.databases.get(name);
    return state ? new DatabaseViewImpl(state) : undefined;
  }

  /** Field type of one field, if the measurement already has it. */
  fieldType(db: string, rp: string, measurement: string, field: string): FieldType | undefined {
    return this.databases.get(db)?.measurementsByRp.get(rp)?.get(measurement)?.fieldTypes.get(field);
  }

  measurementState(db: string, rp: string, measurement: string): MeasurementState | undefined {
    return this.databases.get(db)?.measurementsByRp.get(rp)?.get(measurement);
  }

  apply(command: CatalogCommand): Catalog {
    const next = new Map(this.databases);
    switch (command.kind) {
      case 'create-database': {
        if (next.has(command.name)) {
          // InfluxDB: creating an existing database is a no-op unless the RP spec conflicts (checked by the caller).
          return this;
        }
        const rp = command.rp ?? { name: DEFAULT_RP, durationNs: 0n, shardGroupDurationNs: WEEK_NS, replicaN: 1 };
        next.set(command.name, {
          name: command.name,
          defaultRetentionPolicy: rp.name,
          rps: new Map([[rp.name, rp]]),
          measurementsByRp: new Map(),
        });
        return new Catalog(next);
      }
      case 'drop-database':
        if (!next.delete(command.name)) return this;
        return new Catalog(next);
      case 'create-retention-policy':
      case 'alter-retention-policy': {
        const db = this.requireDb(command.db);
        const rps = new Map(db.rps);
        rps.set(command.rp.name, command.rp);
        const defaultRetentionPolicy = command.makeDefault ? command.rp.name : db.defaultRetentionPolicy;
        next.set(db.name, { ...db, rps, defaultRetentionPolicy });
        return new Catalog(next);
      }
      case 'drop-retention-policy': {
        const db = this.requireDb(command.db);
        const rps = new Map(db.rps);
        rps.delete(command.name);
        const measurementsByRp = new Map(db.measurementsByRp);
        measurementsByRp.delete(command.name);
        const defaultRetentionPolicy = db.defaultRetentionPolicy === command.name ? '' : db.defaultRetentionPolicy;
        next.set(db.name, { ...db, rps, measurementsByRp, defaultRetentionPolicy });
        return new Catalog(next);
      }
      case 'extend-measurement': {
        const db = this.requireDb(command.db);
        const byName = new Map(db.measurementsByRp.get(command.rp) ?? []);
        const current = byName.get(command.measurement);
        const tagKeys = new Set(current?.tagKeys ?? []);
        for (const key of command.tagKeys) tagKeys.add(key);
        const fieldTypes = new Map(current?.fieldTypes ?? []);
        for (const [key, type] of command.fields) {
          if (!fieldTypes.has(key)) fieldTypes.set(key, type);
        }
        byName.set(command.measurement, { name: command.measurement, tagKeys: [...tagKeys].sort(), fieldTypes });
        const measurementsByRp = new Map(db.measurementsByRp);
        measurementsByRp.set(command.rp, byName);
        next.set(db.name, { ...db, measurementsByRp });
        return new Catalog(next);
      }
      case 'drop-measurement': {
        const db = this.requireDb(command.db);
        const measurementsByRp = new Map(db.measurementsByRp);
        let changed = false;
        for (const [rp, byName] of db.measurementsByRp) {
          if (!byName.has(command.name)) continue;
          const copy = new Map(byName);
          copy.delete(command.name);
          measurementsByRp.set(rp, copy);
          changed = true;
        }
        if (!changed) return this;
        next.set(db.name, { ...db, measurementsByRp });
        return new Catalog(next);
      }
    }
  }

  private requireDb(name: string): DatabaseState {
    const db = this.databases.get(name);
    if (!db) throw new Error(`catalog: database ${name} does not exist`);
    return db;
  }
}
