// A SELECT's WHERE clause evaluated on one series' tags, as the SQL compiled by condition-sql.ts
// decides it row by row: time comparisons hold (they shape the time range instead), a missing tag
// is '', a tag compared with a non-string or ordered matches nothing. Pure. It never guesses:
// a condition reading fields, or any form it does not know, yields undefined (read storage).

import type { MeasurementView } from '../meta/schema-view.js';
import type { Expr } from '../query/language/ast.js';
import { compileRegex } from '../query/language/regex.js';
import { isTimeRef, resolveRef } from '../query/sql/condition-sql.js';

/** Tag value of a series ('' when it has none). */
export type TagLookup = (key: string) => string;
export type SeriesPredicate = (tag: TagLookup) => boolean;

type Operand =
  /** A tag column; key null for a name that is no tag here (a constant ''). */
  | { readonly kind: 'tag'; readonly key: string | null }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'regex'; readonly test: (text: string) => boolean }
  | { readonly kind: 'literal' }
  | { readonly kind: 'null' };

const ORDERING = new Set(['<', '<=', '>', '>=']);
const COMPARISON = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '!~']);

function stripParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

function literalKind(expr: Expr): 'string' | 'number' | undefined {
  const e = stripParens(expr);
  if (e.kind === 'string' || e.kind === 'regex') return 'string';
  if (e.kind === 'number' || e.kind === 'integer' || e.kind === 'unsigned' || e.kind === 'boolean') return 'number';
  return undefined;
}

/** The condition as a predicate over a series' tags, or undefined when tags alone cannot decide it. */
export function seriesPredicate(condition: Expr | undefined, measurement: MeasurementView): SeriesPredicate | undefined {
  if (condition === undefined) return () => true;
  return compile(condition, measurement);
}

function compile(expr: Expr, measurement: MeasurementView): SeriesPredicate | undefined {
  const e = stripParens(expr);
  if (e.kind === 'boolean') return () => e.value;
  if (e.kind !== 'binary') return undefined;
  if (e.op === 'AND' || e.op === 'OR') {
    const l = compile(e.lhs, measurement);
    const r = compile(e.rhs, measurement);
    if (l === undefined || r === undefined) return undefined;
    return e.op === 'AND' ? (tag) => l(tag) && r(tag) : (tag) => l(tag) || r(tag);
  }
  if (!COMPARISON.has(e.op)) return undefined;
  if (isTimeRef(e.lhs) || isTimeRef(e.rhs)) return () => true;
  const hint = literalKind(e.rhs) ?? literalKind(e.lhs);
  const lhs = operand(e.lhs, measurement, hint);
  const rhs = operand(e.rhs, measurement, hint);
  if (lhs === undefined || rhs === undefined) return undefined;
  if (e.op === '=~' || e.op === '!~') return regexComparison(e.op, lhs, rhs);
  const stringy = (o: Operand): boolean => o.kind === 'tag' || o.kind === 'string';
  if ((stringy(lhs) && rhs.kind === 'literal') || (lhs.kind === 'literal' && stringy(rhs))) return () => false;
  if (ORDERING.has(e.op) && (lhs.kind === 'tag' || rhs.kind === 'tag')) return () => false;
  if (lhs.kind === 'null' || rhs.kind === 'null') return () => false;
  if (!stringy(lhs) || !stringy(rhs) || (lhs.kind !== 'tag' && rhs.kind !== 'tag')) return undefined;
  if (e.op !== '=' && e.op !== '!=') return undefined;
  const value = (o: Operand, tag: TagLookup): string => (o.kind === 'tag' ? tagValue(o.key, tag) : o.kind === 'string' ? o.value : '');
  return e.op === '=' ? (tag) => value(lhs, tag) === value(rhs, tag) : (tag) => value(lhs, tag) !== value(rhs, tag);
}

function regexComparison(op: '=~' | '!~', lhs: Operand, rhs: Operand): SeriesPredicate | undefined {
  const [subject, re] = rhs.kind === 'regex' ? [lhs, rhs] : [rhs, lhs];
  if (re.kind !== 'regex') return () => false;
  if (subject.kind === 'null') return () => false;
  if (subject.kind === 'tag') return op === '=~' ? (tag) => re.test(tagValue(subject.key, tag)) : (tag) => !re.test(tagValue(subject.key, tag));
  if (subject.kind === 'string') {
    const matched = re.test(subject.value);
    return () => (op === '=~' ? matched : !matched);
  }
  return undefined;
}

function tagValue(key: string | null, tag: TagLookup): string {
  return key === null ? '' : tag(key);
}

function operand(expr: Expr, measurement: MeasurementView, hint: 'string' | 'number' | undefined): Operand | undefined {
  const e = stripParens(expr);
  switch (e.kind) {
    case 'var-ref': {
      const ref = resolveRef(e.name, e.type, measurement, hint);
      if (ref.kind === 'field') return undefined;
      if (ref.kind === 'tag') return { kind: 'tag', key: e.name };
      // A missing tag compares as ''; a missing field is NULL.
      return hint === 'string' ? { kind: 'tag', key: null } : { kind: 'null' };
    }
    case 'string':
      return { kind: 'string', value: e.value };
    case 'regex': {
      const re = compileRegex(e.source);
      return { kind: 'regex', test: (text) => re.test(text) };
    }
    case 'integer':
    case 'unsigned':
    case 'number':
    case 'boolean':
    case 'duration':
      return { kind: 'literal' };
    default:
      return undefined;
  }
}
