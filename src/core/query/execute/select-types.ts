// Type checks InfluxDB 1.6 runs on SELECT fields once the sources' field types are known.
// Pure: reports InfluxDB's own messages, so no engine (ClickHouse) type error reaches a client.

import type { Expr, SelectStatement } from '../language/ast.js';
import type { MeasurementView } from '../../meta/schema-view.js';
import { StatementError } from './result.js';
import { exprText } from '../language/statement-text.js';
import { indicatorIteratorLabel, isIndicator } from '../functions/technical-analysis-args.js';

type ValueType = 'float' | 'integer' | 'unsigned' | 'string' | 'boolean' | 'tag';

/** Functions whose iterators InfluxDB builds only for numbers: string or boolean input is an error. */
const NUMERIC_ITERATORS = new Set([
  'top', 'bottom', 'derivative', 'non_negative_derivative', 'difference', 'non_negative_difference', 'moving_average', 'cumulative_sum',
]);
/** How 1.x names a transformation's iterator in its type errors, where that is not the function's name. */
const ITERATOR_LABELS: Readonly<Record<string, string>> = {
  non_negative_derivative: 'derivative',
  non_negative_difference: 'difference',
  moving_average: 'moving average',
  cumulative_sum: 'cumulative sum',
};
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const BITWISE = new Set(['&', '|', '^']);

export function checkSelectTypes(statement: SelectStatement, universe: MeasurementView): void {
  for (const field of statement.fields) typeOf(field.expr, universe);
}

function refType(expr: Extract<Expr, { kind: 'var-ref' }>, universe: MeasurementView): ValueType | undefined {
  const fieldType = universe.fieldTypes.get(expr.name) as ValueType | undefined;
  if (expr.type === 'tag') return universe.tagKeys.includes(expr.name) ? 'tag' : undefined;
  if (expr.type !== undefined && expr.type !== 'field') return fieldType === undefined ? undefined : fieldType;
  if (fieldType !== undefined) return fieldType;
  return universe.tagKeys.includes(expr.name) ? 'tag' : undefined;
}

/** Rewrites references with their resolved type, as InfluxDB prints expressions in type errors. */
function typed(expr: Expr, universe: MeasurementView): Expr {
  switch (expr.kind) {
    case 'var-ref': {
      const t = refType(expr, universe);
      return t === undefined ? expr : { kind: 'var-ref', name: expr.name, type: t };
    }
    case 'binary':
      return { kind: 'binary', op: expr.op, lhs: typed(expr.lhs, universe), rhs: typed(expr.rhs, universe) };
    case 'paren':
      return { kind: 'paren', expr: typed(expr.expr, universe) };
    default:
      return expr;
  }
}

function typeOf(expr: Expr, universe: MeasurementView): ValueType | undefined {
  switch (expr.kind) {
    case 'var-ref':
      return refType(expr, universe);
    case 'integer':
      return 'integer';
    case 'number':
      return 'float';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'paren':
      return typeOf(expr.expr, universe);
    case 'call': {
      const arg = expr.args[0];
      if ((NUMERIC_ITERATORS.has(expr.name) || isIndicator(expr.name)) && arg?.kind === 'var-ref') {
        const t = refType(arg, universe);
        const label = isIndicator(expr.name) ? indicatorIteratorLabel(expr.name) : (ITERATOR_LABELS[expr.name] ?? expr.name);
        if (t === 'string' || t === 'boolean') throw new StatementError(`unsupported ${label} iterator type: *query.${t}InterruptIterator`);
      }
      // min() and max() take numbers and booleans; a string field has no iterator in 1.x.
      if ((expr.name === 'min' || expr.name === 'max') && arg?.kind === 'var-ref' && refType(arg, universe) === 'string') {
        throw new StatementError(`unsupported ${expr.name} iterator type: *query.stringInterruptIterator`);
      }
      expr.args.forEach((a) => typeOf(a, universe));
      return undefined;
    }
    case 'binary':
      return binaryType(expr, universe);
    default:
      return undefined;
  }
}

function binaryType(expr: Extract<Expr, { kind: 'binary' }>, universe: MeasurementView): ValueType | undefined {
  const lhs = typeOf(expr.lhs, universe);
  const rhs = typeOf(expr.rhs, universe);
  if (lhs === undefined || rhs === undefined) return undefined;
  const numeric = (t: ValueType): boolean => t === 'float' || t === 'integer' || t === 'unsigned';
  const fail = (): never => {
    throw new StatementError(`type error: ${exprText(typed(expr, universe))}: incompatible types: ${lhs} and ${rhs}`);
  };
  if (ARITHMETIC.has(expr.op)) {
    if (numeric(lhs) && numeric(rhs)) return lhs === 'float' || rhs === 'float' ? 'float' : lhs === 'unsigned' || rhs === 'unsigned' ? 'unsigned' : 'integer';
    if (expr.op === '+' && lhs === 'string' && rhs === 'string') return 'string';
    return fail();
  }
  if (BITWISE.has(expr.op)) {
    const integral = (t: ValueType): boolean => t === 'integer' || t === 'unsigned';
    if (integral(lhs) && integral(rhs)) return lhs === 'unsigned' || rhs === 'unsigned' ? 'unsigned' : 'integer';
    if (lhs === 'boolean' && rhs === 'boolean') return 'boolean';
    return fail();
  }
  return undefined;
}
