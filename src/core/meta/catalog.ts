// The catalog as an immutable value: databases, retention policies, measurements (tag keys,
// field types), users and grants, and the index of the last command applied. apply(command) returns a new Catalog
// or throws InfluxDB's error for a command it refuses; it never performs I/O and is deterministic,
// so every replica that applies the same commands in the same order holds the same catalog.

import { BadRequestError, DatabaseNotFoundError, RetentionPolicyNotFoundError } from '../errors.js';
import type { FieldType } from '../model/point.js';
import type { DatabaseView, MeasurementView, RetentionPolicyInfo, SchemaView } from './schema-view.js';
import type { CatalogCommand, RetentionPolicyDefinition } from './commands.js';
import { applyUserCommand, forgetDatabasePrivileges, type UserDirectory, type UserInfo, type Users } from './users.js';
import { applyContinuousQueryCommand, type ContinuousQueries, type ContinuousQueryInfo } from './continuous-queries.js';

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

export interface MeasurementState extends MeasurementView {
  /** Catalog index at which the measurement (last) came into being: older writes to it were dropped. */
  readonly createdAtIndex: number;
}

/** A DELETE / DROP SERIES as applied: writes validated before it, stored after it, must be deleted again. */
export interface DeleteRecord {
  readonly index: number;
  readonly db: string;
  readonly measurements: readonly string[];
  readonly whereSql: string;
}

/** Deletes remembered for writes still on their way (replication lag, hinted handoff). */
export const MAX_DELETE_RECORDS = 1024;

export interface DatabaseState {
  readonly name: string;
  readonly defaultRetentionPolicy: string;
  readonly rps: ReadonlyMap<string, RetentionPolicyInfo>;
  /** rp → measurement name → schema */
  readonly measurementsByRp: ReadonlyMap<string, ReadonlyMap<string, MeasurementState>>;
  /** Continuous queries by name, in creation order (absent in catalogs stored before they existed). */
  readonly continuousQueries?: ContinuousQueries;
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
  get continuousQueries(): readonly ContinuousQueryInfo[] {
    return [...(this.state.continuousQueries?.values() ?? [])];
  }
}

export class Catalog implements SchemaView, UserDirectory {
  static empty(): Catalog {
    return new Catalog(new Map(), 0, []);
  }

  constructor(
    readonly databases: ReadonlyMap<string, DatabaseState>,
    /** Index of the last command applied (a Raft index in a cluster, a local counter otherwise). */
    readonly index: number,
    /** The latest deletes, oldest first, at most MAX_DELETE_RECORDS. */
    readonly deletes: readonly DeleteRecord[],
    /** Users in creation order, with their password hashes and privileges. */
    readonly users: Users = new Map(),
  ) {}

  userList(): readonly UserInfo[] {
    return [...this.users.values()];
  }

  user(name: string): UserInfo | undefined {
    return this.users.get(name);
  }

  /** Deletes of the table applied after `catalogIndex`: rows of writes validated at that index must go again. */
  deletesAfter(catalogIndex: number, db: string, measurement: string): DeleteRecord[] {
    const found: DeleteRecord[] = [];
    for (let i = this.deletes.length - 1; i >= 0 && this.deletes[i]!.index > catalogIndex; i--) {
      const record = this.deletes[i]!;
      if (record.db === db && (record.measurements.length === 0 || record.measurements.includes(measurement))) found.unshift(record);
    }
    return found;
  }

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

  /** Applies commands as one step at `index`: all of them or, if one is refused (thrown), none. */
  applyAll(commands: readonly CatalogCommand[], index: number): Catalog {
    let next: Catalog = this;
    for (const command of commands) next = next.applyOne(command, index);
    return next.index === index ? next : new Catalog(next.databases, index, next.deletes, next.users);
  }

  /** Applies one command at the next index (tests and single steps). */
  apply(command: CatalogCommand): Catalog {
    return this.applyAll([command], this.index + 1);
  }

  private applyOne(command: CatalogCommand, index: number): Catalog {
    const next = new Map(this.databases);
    switch (command.kind) {
      case 'create-database': {
        const existing = next.get(command.name);
        if (existing) {
          if (command.rp === undefined) return this;
          // InfluxDB 1.x: an existing database takes WITH … only when it names its default policy as it is.
          if (existing.rps.size > 0) {
            if (!specMatches(command, existing.rps.get(command.rp.name)) || existing.defaultRetentionPolicy !== command.rp.name) {
              throw new BadRequestError(RP_CONFLICT);
            }
            return this;
          }
          const rp = checkedPolicy(command.rp);
          next.set(command.name, { ...existing, defaultRetentionPolicy: rp.name, rps: new Map([[rp.name, rp]]) });
          return new Catalog(next, index, this.deletes, this.users);
        }
        const rp = command.rp ? checkedPolicy(command.rp) : { name: DEFAULT_RP, durationNs: 0n, shardGroupDurationNs: WEEK_NS, replicaN: 1 };
        next.set(command.name, { name: command.name, defaultRetentionPolicy: rp.name, rps: new Map([[rp.name, rp]]), measurementsByRp: new Map() });
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'drop-database':
        if (!next.delete(command.name)) return this;
        return new Catalog(next, index, this.deletes, forgetDatabasePrivileges(this.users, command.name));
      case 'create-retention-policy': {
        const policy = checkedPolicy(command.rp);
        const db = this.requireDb(command.db);
        const existing = db.rps.get(policy.name);
        if (existing) {
          if (existing.durationNs !== policy.durationNs || existing.replicaN !== policy.replicaN || existing.shardGroupDurationNs !== policy.shardGroupDurationNs) {
            throw new BadRequestError('retention policy already exists');
          }
          if (command.makeDefault && db.defaultRetentionPolicy !== existing.name) throw new BadRequestError(RP_CONFLICT);
          return this;
        }
        const rps = new Map(db.rps);
        rps.set(policy.name, policy);
        next.set(db.name, { ...db, rps, defaultRetentionPolicy: command.makeDefault ? policy.name : db.defaultRetentionPolicy });
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'alter-retention-policy': {
        const db = this.requireDb(command.db);
        const existing = db.rps.get(command.name);
        if (!existing) throw new RetentionPolicyNotFoundError(command.name);
        const durationNs = command.durationNs ?? existing.durationNs;
        const altered: RetentionPolicyInfo = {
          name: existing.name,
          durationNs,
          shardGroupDurationNs: command.shardGroupDurationNs === undefined ? existing.shardGroupDurationNs : normalisedShardGroupDurationNs(command.shardGroupDurationNs, durationNs),
          replicaN: command.replicaN ?? existing.replicaN,
        };
        if (altered.durationNs > 0n && altered.durationNs < altered.shardGroupDurationNs) throw new BadRequestError(INCOMPATIBLE_DURATIONS);
        const rps = new Map(db.rps);
        rps.set(altered.name, altered);
        next.set(db.name, { ...db, rps, defaultRetentionPolicy: command.makeDefault ? altered.name : db.defaultRetentionPolicy });
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'drop-retention-policy': {
        const db = this.requireDb(command.db);
        if (!db.rps.has(command.name)) return this;
        const rps = new Map(db.rps);
        rps.delete(command.name);
        const measurementsByRp = new Map(db.measurementsByRp);
        measurementsByRp.delete(command.name);
        // InfluxDB 1.x keeps the default's name: writes and reads then fail with "retention policy
        // not found: <name>", and a policy created again under that name is the default again.
        next.set(db.name, { ...db, rps, measurementsByRp });
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'extend-measurement':
        return this.extendMeasurement(next, command, index);
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
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'create-user':
      case 'drop-user':
      case 'set-password':
      case 'set-admin':
      case 'grant-privilege':
      case 'revoke-privilege': {
        const users = applyUserCommand(this.users, command, (name) => this.databases.has(name));
        return users === this.users ? this : new Catalog(this.databases, index, this.deletes, users);
      }
      case 'create-continuous-query':
      case 'drop-continuous-query':
      case 'continuous-query-ran': {
        const db = next.get(command.db);
        if (db === undefined) {
          if (command.kind === 'create-continuous-query') throw new DatabaseNotFoundError(command.db);
          return this;
        }
        const before = db.continuousQueries ?? new Map<string, ContinuousQueryInfo>();
        const after = applyContinuousQueryCommand(before, command);
        if (after === before) return this;
        next.set(db.name, { ...db, continuousQueries: after });
        return new Catalog(next, index, this.deletes, this.users);
      }
      case 'delete-data': {
        this.requireDb(command.db);
        // The catalog keeps its shape; the delete is remembered for writes still on their way.
        const record: DeleteRecord = { index, db: command.db, measurements: command.measurements, whereSql: command.whereSql };
        return new Catalog(this.databases, index, [...this.deletes.slice(-(MAX_DELETE_RECORDS - 1)), record], this.users);
      }
    }
  }

  /**
   * Adds tag keys and fields a write needs. A field that exists keeps its type (first writer
   * wins); new fields and tag keys are added only up to the limits the command carries, so every
   * replica draws the line at the same place. The writer then drops the points this left out.
   */
  private extendMeasurement(next: Map<string, DatabaseState>, command: Extract<CatalogCommand, { kind: 'extend-measurement' }>, index: number): Catalog {
    const db = this.requireDb(command.db);
    if (!db.rps.has(command.rp)) throw new RetentionPolicyNotFoundError(command.rp);
    const byName = new Map(db.measurementsByRp.get(command.rp) ?? []);
    const current = byName.get(command.measurement);
    const tagKeys = new Set(current?.tagKeys ?? []);
    let changed = current === undefined;
    for (const key of command.tagKeys) {
      if (tagKeys.has(key) || tagKeys.size >= (command.maxTagKeys ?? Number.MAX_SAFE_INTEGER)) continue;
      tagKeys.add(key);
      changed = true;
    }
    const fieldTypes = new Map(current?.fieldTypes ?? []);
    for (const [key, type] of command.fields) {
      if (fieldTypes.has(key) || fieldTypes.size >= (command.maxFields ?? Number.MAX_SAFE_INTEGER)) continue;
      fieldTypes.set(key, type);
      changed = true;
    }
    if (!changed) return this;
    byName.set(command.measurement, {
      name: command.measurement,
      tagKeys: [...tagKeys].sort(),
      fieldTypes,
      createdAtIndex: current?.createdAtIndex ?? index,
    });
    const measurementsByRp = new Map(db.measurementsByRp);
    measurementsByRp.set(command.rp, byName);
    next.set(db.name, { ...db, measurementsByRp });
    return new Catalog(next, index, this.deletes, this.users);
  }

  private requireDb(name: string): DatabaseState {
    const db = this.databases.get(name);
    if (!db) throw new DatabaseNotFoundError(name);
    return db;
  }
}

/** InfluxDB 1.x: a shard group duration under an hour is an hour; 0 derives it from the policy duration. */
export function normalisedShardGroupDurationNs(shardGroupDurationNs: bigint, durationNs: bigint): bigint {
  if (shardGroupDurationNs === 0n) return defaultShardGroupDurationNs(durationNs);
  return shardGroupDurationNs < HOUR_NS ? HOUR_NS : shardGroupDurationNs;
}

const RP_CONFLICT = 'retention policy conflicts with an existing policy';
const INCOMPATIBLE_DURATIONS = 'retention policy duration must be greater than the shard duration';

/** A new policy as InfluxDB 1.x stores it: shard group duration normalised, then checked against the duration. */
function checkedPolicy(spec: RetentionPolicyDefinition): RetentionPolicyInfo {
  const policy = { name: spec.name, durationNs: spec.durationNs, shardGroupDurationNs: normalisedShardGroupDurationNs(spec.shardGroupDurationNs, spec.durationNs), replicaN: spec.replicaN };
  if (policy.durationNs > 0n && policy.durationNs < policy.shardGroupDurationNs) throw new BadRequestError(INCOMPATIBLE_DURATIONS);
  return policy;
}

/** RetentionPolicySpec.Matches of 1.x: what CREATE DATABASE … WITH gave must equal the existing policy. */
function specMatches(command: Extract<CatalogCommand, { kind: 'create-database' }>, existing: RetentionPolicyInfo | undefined): boolean {
  const spec = command.rp;
  if (spec === undefined || existing === undefined) return false;
  if (command.rpGiven?.duration !== false && spec.durationNs !== existing.durationNs) return false;
  if (command.rpGiven?.replicaN !== false && spec.replicaN !== existing.replicaN) return false;
  return normalisedShardGroupDurationNs(spec.shardGroupDurationNs, existing.durationNs) === existing.shardGroupDurationNs;
}
