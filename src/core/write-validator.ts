// Checks parsed points against the catalog: field types are fixed per measurement, so a point
// whose field conflicts is dropped (InfluxDB 1.x semantics). Pure: returns what to accept and add.
// validateWrite runs before the catalog additions are applied; admitPoints runs after, against the
// catalog that holds them, and alone decides: whatever changed in between (a concurrent writer
// gave a field another type first, a limit was reached) drops exactly the points it concerns.

import type { FieldType, Point } from './model/point.js';
import type { Catalog, MeasurementState } from './meta/catalog.js';
import type { CatalogCommand } from './meta/commands.js';

export interface ValidatedWrite {
  readonly accepted: Point[];
  readonly dropped: number;
  /** The first rejection reason, InfluxDB wording, or null. */
  readonly firstReason: string | null;
  /**
   * InfluxDB 1.6 answers a conflict between two points of one batch written to a shard that does
   * not exist yet with a bare "field type conflict" and stores none of the batch (the new shard
   * creates the fields mid-batch); in an existing shard it is a partial write. A retention policy
   * without any measurement stands for the new shard; `accepted` is then empty.
   */
  readonly inBatchConflict: boolean;
  /** Catalog additions (new tag keys / fields) the accepted points need. */
  readonly commands: CatalogCommand[];
}

interface MeasurementScratch {
  readonly knownTags: ReadonlySet<string>;
  readonly types: Map<string, FieldType>;
  readonly newTags: Set<string>;
  readonly newFields: Map<string, FieldType>;
}

/** Bounds on a measurement's schema: what a write would add beyond them is refused. */
export interface SchemaLimits {
  readonly maxFieldsPerMeasurement: number;
  readonly maxTagKeysPerMeasurement: number;
}

export const defaultSchemaLimits: SchemaLimits = { maxFieldsPerMeasurement: 10_000, maxTagKeysPerMeasurement: 1_000 };

export function validateWrite(catalog: Catalog, db: string, rp: string, points: readonly Point[], limits: SchemaLimits = defaultSchemaLimits): ValidatedWrite {
  const scratch = new Map<string, MeasurementScratch>();
  const accepted: Point[] = [];
  let dropped = 0;
  let firstReason: string | null = null;
  let inBatchConflict = false;
  const rpIsEmpty = (catalog.databases.get(db)?.measurementsByRp.get(rp)?.size ?? 0) === 0;
  for (const original of points) {
    const point = withoutTimeField(original);
    const invalid = invalidNameReason(point);
    if (invalid !== null) {
      dropped++;
      firstReason ??= invalid;
      continue;
    }
    let m = scratch.get(point.measurement);
    if (!m) {
      const state = catalog.measurementState(db, rp, point.measurement);
      m = {
        knownTags: new Set(state?.tagKeys ?? []),
        types: new Map(state?.fieldTypes ?? []),
        newTags: new Set(),
        newFields: new Map(),
      };
      scratch.set(point.measurement, m);
    }
    const conflict = conflictOf(point, m.types);
    if (conflict !== null) {
      dropped++;
      if (rpIsEmpty && m.newFields.has(conflict.key)) inBatchConflict = true;
      firstReason ??= conflict.reason;
      continue;
    }
    for (let i = 0; i < point.fieldKeys.length; i++) {
      const key = point.fieldKeys[i]!;
      if (!m.types.has(key)) {
        const type = point.fieldTypes[i]!;
        m.types.set(key, type);
        m.newFields.set(key, type);
      }
    }
    for (let i = 0; i < point.tags.length; i += 2) {
      const key = point.tags[i]!;
      if (!m.knownTags.has(key)) m.newTags.add(key);
    }
    accepted.push(point);
  }
  if (inBatchConflict) return { accepted: [], dropped: points.length, firstReason, inBatchConflict, commands: [] };
  const commands: CatalogCommand[] = [];
  for (const [measurement, m] of scratch) {
    const isNew = catalog.measurementState(db, rp, measurement) === undefined;
    if (!isNew && m.newTags.size === 0 && m.newFields.size === 0) continue;
    if (isNew && m.newFields.size === 0) continue; // every point of it was dropped
    commands.push({
      kind: 'extend-measurement',
      db,
      rp,
      measurement,
      tagKeys: [...m.newTags],
      fields: [...m.newFields],
      maxFields: limits.maxFieldsPerMeasurement,
      maxTagKeys: limits.maxTagKeysPerMeasurement,
    });
  }
  return { accepted, dropped, firstReason, inBatchConflict, commands };
}

export interface AdmittedPoints {
  readonly accepted: Point[];
  readonly dropped: number;
  readonly firstReason: string | null;
}

/**
 * Keeps the points the catalog can store as they are: the measurement exists, every tag key is
 * known and every field exists with the point's type. Run after the write's catalog additions
 * were applied; a point it drops names why in InfluxDB's words.
 */
export function admitPoints(catalog: Catalog, db: string, rp: string, points: readonly Point[], limits: SchemaLimits = defaultSchemaLimits): AdmittedPoints {
  const accepted: Point[] = [];
  let dropped = 0;
  let firstReason: string | null = null;
  // The parser shares tag and key arrays between points of one series: each array is checked once.
  const shapes = new Map<string, { state: MeasurementState | undefined; tagKeys: ReadonlySet<string>; okTags: Set<readonly string[]>; okFields: Map<readonly string[], readonly FieldType[]> }>();
  for (const point of points) {
    let shape = shapes.get(point.measurement);
    if (shape === undefined) {
      const state = catalog.measurementState(db, rp, point.measurement);
      shapes.set(point.measurement, (shape = { state, tagKeys: new Set(state?.tagKeys ?? []), okTags: new Set(), okFields: new Map() }));
    }
    let reason: string | null = null;
    if (shape.state === undefined) reason = `measurement "${point.measurement}" could not be created`;
    else {
      if (!shape.okTags.has(point.tags)) {
        reason = missingTagKey(point, shape.tagKeys, limits);
        if (reason === null) shape.okTags.add(point.tags);
      }
      if (reason === null && shape.okFields.get(point.fieldKeys) !== point.fieldTypes) {
        reason = fieldMismatch(point, shape.state.fieldTypes, limits);
        if (reason === null) shape.okFields.set(point.fieldKeys, point.fieldTypes);
      }
    }
    if (reason !== null) {
      dropped++;
      firstReason ??= reason;
      continue;
    }
    accepted.push(point);
  }
  return { accepted, dropped, firstReason };
}

function missingTagKey(point: Point, known: ReadonlySet<string>, limits: SchemaLimits): string | null {
  for (let i = 0; i < point.tags.length; i += 2) {
    const key = point.tags[i]!;
    if (!known.has(key)) {
      return `max-tag-keys-per-measurement limit exceeded: (${known.size}/${limits.maxTagKeysPerMeasurement}): measurement="${point.measurement}" tag="${key}"`;
    }
  }
  return null;
}

function fieldMismatch(point: Point, types: ReadonlyMap<string, FieldType>, limits: SchemaLimits): string | null {
  for (let i = 0; i < point.fieldKeys.length; i++) {
    const key = point.fieldKeys[i]!;
    const existing = types.get(key);
    if (existing === undefined) {
      return `max-fields-per-measurement limit exceeded: (${types.size}/${limits.maxFieldsPerMeasurement}): measurement="${point.measurement}" field="${key}"`;
    }
    if (existing !== point.fieldTypes[i]) {
      return `field type conflict: input field "${key}" on measurement "${point.measurement}" is type ${point.fieldTypes[i]}, already exists as type ${existing}`;
    }
  }
  return null;
}

function conflictOf(point: Point, types: ReadonlyMap<string, FieldType>): { key: string; reason: string } | null {
  for (let i = 0; i < point.fieldKeys.length; i++) {
    const key = point.fieldKeys[i]!;
    const existing = types.get(key);
    const type = point.fieldTypes[i]!;
    if (existing !== undefined && existing !== type) {
      return { key, reason: `field type conflict: input field "${key}" on measurement "${point.measurement}" is type ${type}, already exists as type ${existing}` };
    }
  }
  return null;
}

/** InfluxDB 1.6 silently drops a field named "time" when the point has other fields. */
function withoutTimeField(point: Point): Point {
  const index = point.fieldKeys.indexOf('time');
  if (index < 0 || point.fieldKeys.length === 1) return point;
  const keep = (_: unknown, i: number): boolean => i !== index;
  return {
    ...point,
    fieldKeys: point.fieldKeys.filter(keep),
    fieldTypes: point.fieldTypes.filter(keep),
    fieldValues: point.fieldValues.filter(keep),
  };
}

function invalidNameReason(point: Point): string | null {
  if (point.fieldKeys.length === 1 && point.fieldKeys[0] === 'time') {
    return `invalid field name: input field "time" on measurement "${point.measurement}" is invalid`;
  }
  for (let i = 0; i < point.tags.length; i += 2) {
    if (point.tags[i] === 'time') return `invalid tag key: input tag "time" on measurement "${point.measurement}" is invalid`;
  }
  return null;
}
