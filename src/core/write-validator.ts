// Checks parsed points against the catalog: field types are fixed per measurement, so a point
// whose field conflicts is dropped (InfluxDB 1.x semantics). Pure: returns what to accept and add.

import type { FieldType, Point } from './model/point.js';
import type { Catalog } from './meta/catalog.js';
import type { CatalogCommand } from './meta/commands.js';

export interface ValidatedWrite {
  readonly accepted: Point[];
  readonly dropped: number;
  /** The first rejection reason, InfluxDB wording, or null. */
  readonly firstReason: string | null;
  /**
   * InfluxDB 1.6 answers a conflict between two points of one batch that creates the measurement
   * with a bare "field type conflict" (its shard creates the measurement's fields mid-batch).
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
  /** The measurement did not exist before this batch. */
  readonly isNew: boolean;
}

export function validateWrite(catalog: Catalog, db: string, rp: string, points: readonly Point[]): ValidatedWrite {
  const scratch = new Map<string, MeasurementScratch>();
  const accepted: Point[] = [];
  let dropped = 0;
  let firstReason: string | null = null;
  let inBatchConflict = false;
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
        isNew: state === undefined,
      };
      scratch.set(point.measurement, m);
    }
    const conflict = conflictOf(point, m.types);
    if (conflict !== null) {
      dropped++;
      if (m.isNew && m.newFields.has(conflict.key)) inBatchConflict = true;
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
  const commands: CatalogCommand[] = [];
  for (const [measurement, m] of scratch) {
    const isNew = catalog.measurementState(db, rp, measurement) === undefined;
    if (!isNew && m.newTags.size === 0 && m.newFields.size === 0) continue;
    if (isNew && m.newFields.size === 0) continue; // every point of it was dropped
    commands.push({ kind: 'extend-measurement', db, rp, measurement, tagKeys: [...m.newTags], fields: [...m.newFields] });
  }
  return { accepted, dropped, firstReason, inBatchConflict, commands };
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
