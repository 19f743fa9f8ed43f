// Semantic checks InfluxDB 1.6 makes when it compiles a SELECT, before any data is read.
// Pure: it only inspects the AST and throws StatementError with InfluxDB's exact message.

import type { Expr, SelectStatement } from '../language/ast.js';
import { StatementError } from './result.js';
import { exprText } from '../language/statement-text.js';
import { FORECAST_NAMES, isIndicator, validateAnalysisCall } from '../functions/technical-analysis-args.js';
import { TRANSFORMS } from '../functions/transform-spec.js';

/** Calls taking exactly one argument. */
const ONE_ARG = new Set(['count', 'sum', 'mean', 'median', 'mode', 'spread', 'stddev', 'first', 'last', 'min', 'max']);
const DERIVATIVES = new Set(['derivative', 'non_negative_derivative']);
const AGGREGATE_NAMES = new Set([...ONE_ARG, 'distinct', 'integral', 'percentile', 'top', 'bottom', 'sample']);

/** Go type names InfluxDB prints for a literal of the wrong kind. */
const GO_LITERAL: Partial<Record<Expr['kind'], string>> = {
  string: '*influxql.StringLiteral',
  integer: '*influxql.IntegerLiteral',
  number: '*influxql.NumberLiteral',
  boolean: '*influxql.BooleanLiteral',
  'var-ref': '*influxql.VarRef',
  regex: '*influxql.RegexLiteral',
};

function strip(expr: Expr): Expr {
  return expr.kind === 'paren' ? strip(expr.expr) : expr;
}

export function validateSelect(statement: SelectStatement): void {
  const fields = statement.fields.filter((f) => {
    const e = strip(f.expr);
    return !(e.kind === 'var-ref' && e.name.toLowerCase() === 'time');
  });
  if (statement.fields.length > 0 && fields.length === 0) throw new StatementError('at least 1 non-time field must be queried');
  const timeDimensions = statement.dimensions.filter((d) => d.kind === 'call' && d.name === 'time');
  if (timeDimensions.length > 1) throw new StatementError('multiple time dimensions not allowed');
  const hasInterval = timeDimensions.length > 0;
  for (const field of fields) {
    visitCalls(field.expr, (call) => validateCall(call, { hasInterval, limit: statement.limit }));
    if (!hasVariable(field.expr)) throw new StatementError('field must contain at least one variable');
  }
  validateTopBottomAlone(fields.map((f) => f.expr));
  const rawTransform = fields.some((f) => {
    const e = strip(f.expr);
    return e.kind === 'call' && TRANSFORMS.has(e.name) && e.args[0] !== undefined && strip(e.args[0]).kind === 'var-ref';
  });
  if (rawTransform && fields.some((f) => strip(f.expr).kind === 'var-ref')) throw new StatementError('mixing aggregate and non-aggregate queries is not supported');
  if (statement.condition !== undefined) {
    visitCalls(statement.condition, (call) => {
      if (call.name !== 'now') throw new StatementError(`invalid function call in condition: ${exprText(call)}`);
    });
  }
}

/** The math functions 1.x does not count among a statement's function calls. */
const MATH_FUNCTIONS = new Set(['abs', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'exp', 'log', 'ln', 'log2', 'log10', 'sqrt', 'pow', 'floor', 'ceil', 'round']);

/** top() and bottom() must be the statement's only function call (math functions aside). */
function validateTopBottomAlone(fields: readonly Expr[]): void {
  const calls: string[] = [];
  for (const field of fields) {
    visitExprs(field, (e) => {
      if (e.kind === 'distinct') calls.push('distinct');
      else if (e.kind === 'call' && !MATH_FUNCTIONS.has(e.name)) calls.push(e.name);
    });
  }
  const selector = calls.find((name) => name === 'top' || name === 'bottom');
  if (selector !== undefined && calls.length > 1) throw new StatementError(`selector function ${selector}() cannot be combined with other functions`);
}

function visitExprs(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  if (expr.kind === 'call') expr.args.forEach((a) => visitExprs(a, visit));
  else if (expr.kind === 'binary') {
    visitExprs(expr.lhs, visit);
    visitExprs(expr.rhs, visit);
  } else if (expr.kind === 'paren') visitExprs(expr.expr, visit);
}

function hasVariable(expr: Expr): boolean {
  switch (expr.kind) {
    case 'var-ref':
    case 'wildcard':
    case 'regex':
    case 'distinct':
      return true;
    case 'call':
      return expr.args.some(hasVariable);
    case 'binary':
      return hasVariable(expr.lhs) || hasVariable(expr.rhs);
    case 'paren':
      return hasVariable(expr.expr);
    default:
      return false;
  }
}

function visitCalls(expr: Expr, visit: (call: Extract<Expr, { kind: 'call' }>) => void): void {
  if (expr.kind === 'call') {
    visit(expr);
    expr.args.forEach((a) => visitCalls(a, visit));
  } else if (expr.kind === 'binary') {
    visitCalls(expr.lhs, visit);
    visitCalls(expr.rhs, visit);
  } else if (expr.kind === 'paren') visitCalls(expr.expr, visit);
}

function validateCall(call: Extract<Expr, { kind: 'call' }>, context: { readonly hasInterval: boolean; readonly limit: number }): void {
  const { hasInterval } = context;
  const n = call.args.length;
  if (ONE_ARG.has(call.name) && n !== 1) throw new StatementError(`invalid number of arguments for ${call.name}, expected 1, got ${n}`);
  if (call.name === 'percentile' && n !== 2) throw new StatementError(`invalid number of arguments for percentile, expected 2, got ${n}`);
  if (call.name === 'distinct') {
    const arg = call.args[0];
    if (n !== 1) throw new StatementError(`distinct function requires at least one argument`);
    if (arg !== undefined && strip(arg).kind !== 'var-ref') throw new StatementError('expected field argument in distinct()');
  }
  if (call.name === 'top' || call.name === 'bottom') {
    if (n < 2) throw new StatementError(`invalid number of arguments for ${call.name}, expected at least 2, got ${n}`);
    const last = strip(call.args[n - 1] as Expr);
    if (last.kind === 'integer' && last.value < 1n) throw new StatementError(`limit (${last.value}) in ${call.name} function must be at least 1`);
    if (last.kind === 'integer' && context.limit > 0 && last.value > BigInt(context.limit)) {
      throw new StatementError(`limit (${last.value}) in ${call.name} function can not be larger than the LIMIT (${context.limit}) in the select statement`);
    }
  }
  if (DERIVATIVES.has(call.name)) {
    const unit = call.args[1];
    if (unit !== undefined) {
      const u = strip(unit);
      if (u.kind !== 'duration') throw new StatementError(`second argument to ${call.name} must be a duration, got ${GO_LITERAL[u.kind] ?? u.kind}`);
    }
  }
  if (isIndicator(call.name) || FORECAST_NAMES.has(call.name)) validateAnalysisCall(call, { hasInterval });
  if (TRANSFORMS.has(call.name)) {
    const inner = call.args[0] === undefined ? undefined : strip(call.args[0]);
    if (inner?.kind === 'call' && AGGREGATE_NAMES.has(inner.name) && !hasInterval) throw new StatementError(`${call.name} aggregate requires a GROUP BY interval`);
  }
}
