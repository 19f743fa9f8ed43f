// A SELECT's WHERE clause split for the recent-points cache: the conjuncts tags alone decide (per
// series, tag-condition.ts) and the comparisons of numeric fields with numbers (per row), each as
// the SQL compiled by condition-sql.ts decides it: time comparisons hold (they shape the range), a
// missing field or unknown name compares false. Pure. Anything else yields undefined (read chDB).

import type { MeasurementView } from '../meta/schema-view.js';
import type { Expr } from '../query/language/ast.js';
import { isTimeRef, resolveRef } from '../query/sql/condition-sql.js';
import { seriesPredicate, type SeriesPredicate } from './tag-condition.js';

/** Reads a numeric field of one row: NaN where the row has none. */
export type FieldReader = (field: string) => number;
export type RowPredicate = (field: FieldReader) => boolean;

export interface SplitCondition {
  readonly series: SeriesPredicate;
  /** Undefined when no conjunct reads a field. */
  readonly row?: RowPredicate;
}

const COMPARE = new Set(['=', '!=', '<', '<=', '>', '>=']);

function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

function conjuncts(expr: Expr, out: Expr[]): Expr[] {
  const e = stripParens(expr);
  if (e.kind === 'binary' && e.op === 'AND') {
    conjuncts(e.lhs, out);
    conjuncts(e.rhs, out);
  } else {
    out.push(e);
  }
  return out;
}

export function splitCondition(condition: Expr | undefined, measurement: MeasurementView): SplitCondition | undefined {
  if (condition === undefined) return { series: () => true };
  const whole = seriesPredicate(condition, measurement);
  if (whole !== undefined) return { series: whole };
  const seriesParts: SeriesPredicate[] = [];
  const rowParts: RowPredicate[] = [];
  for (const part of conjuncts(condition, [])) {
    const bySeries = seriesPredicate(part, measurement);
    if (bySeries !== undefined) {
      seriesParts.push(bySeries);
      continue;
    }
    const byRow = compileRow(part, measurement);
    if (byRow === undefined) return undefined;
    if (byRow === true) continue;
    rowParts.push(byRow === false ? () => false : byRow);
  }
  return {
    series: (tag) => seriesParts.every((p) => p(tag)),
    ...(rowParts.length > 0 ? { row: (field: FieldReader) => rowParts.every((p) => p(field)) } : {}),
  };
}

type Compiled = RowPredicate | boolean | undefined;

function compileRow(expr: Expr, measurement: MeasurementView): Compiled {
  const e = stripParens(expr);
  if (e.kind === 'boolean') return e.value;
  if (e.kind !== 'binary') return undefined;
  if (e.op === 'AND' || e.op === 'OR') {
    const l = compileRow(e.lhs, measurement);
    const r = compileRow(e.rhs, measurement);
    if (l === undefined || r === undefined) return undefined;
    if (e.op === 'AND') {
      if (l === false || r === false) return false;
      if (l === true) return r;
      if (r === true) return l;
      return (f) => l(f) && r(f);
    }
    if (l === true || r === true) return true;
    if (l === false) return r;
    if (r === false) return l;
    return (f) => l(f) || r(f);
  }
  if (!COMPARE.has(e.op)) return undefined;
  if (isTimeRef(e.lhs) || isTimeRef(e.rhs)) return true;
  const hint = literalKind(e.rhs) ?? literalKind(e.lhs);
  const lhs = operand(e.lhs, measurement, hint);
  const rhs = operand(e.rhs, measurement, hint);
  if (lhs === undefined || rhs === undefined) return undefined;
  if (lhs.kind === 'null' || rhs.kind === 'null') return false;
  const left = reader(lhs);
  const right = reader(rhs);
  // NaN (a missing field) fails every comparison, as SQL's NULL does under ifNull(…, 0).
  switch (e.op) {
    case '=':
      return (f) => left(f) === right(f);
    case '!=':
      return (f) => {
        const a = left(f);
        const b = right(f);
        return a === a && b === b && a !== b;
      };
    case '<':
      return (f) => left(f) < right(f);
    case '<=':
      return (f) => left(f) <= right(f);
    case '>':
      return (f) => left(f) > right(f);
    default:
      return (f) => left(f) >= right(f);
  }
}

type Operand = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'number'; readonly value: number } | { readonly kind: 'null' };

function reader(o: Operand): (f: FieldReader) => number {
  if (o.kind === 'field') {
    const name = o.name;
    return (f) => f(name);
  }
  const value = o.kind === 'number' ? o.value : NaN;
  return () => value;
}

function literalKind(expr: Expr): 'string' | 'number' | undefined {
  const e = stripParens(expr);
  if (e.kind === 'string' || e.kind === 'regex') return 'string';
  if (e.kind === 'number' || e.kind === 'integer' || e.kind === 'unsigned' || e.kind === 'boolean') return 'number';
  return undefined;
}

function operand(expr: Expr, measurement: MeasurementView, hint: 'string' | 'number' | undefined): Operand | undefined {
  const e = stripParens(expr);
  if (e.kind === 'number') return Number.isFinite(e.value) ? { kind: 'number', value: e.value } : { kind: 'null' };
  if (e.kind === 'integer') {
    const value = Number(e.value);
    return Number.isSafeInteger(value) ? { kind: 'number', value } : undefined;
  }
  if (e.kind !== 'var-ref') return undefined;
  const ref = resolveRef(e.name, e.type, measurement, hint);
  if (ref.kind === 'none') return hint === 'string' ? undefined : { kind: 'null' };
  if (ref.kind !== 'field') return undefined;
  const type = measurement.fieldTypes.get(e.name);
  if (type !== 'float' && type !== 'integer') return undefined;
  if (e.type !== undefined && e.type !== 'field' && e.type !== type) return undefined;
  return { kind: 'field', name: e.name };
}
