// InfluxQL's canonical text of write statements, for the 1.x warning on writes sent by GET
// ("deprecated use of '<stmt>' in a read only context, please use a POST request instead").

import type { Expr, SelectStatement, Source, Statement } from './ast.js';
import { formatGoDuration, formatInfluxDuration } from './duration.js';
import { quoteIdentSegments } from './parser-base.js';

function ident(name: string): string {
  return quoteIdentSegments([name]);
}

function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n') + "'";
}

/** influxql Expr.String(). */
export function exprText(expr: Expr): string {
  switch (expr.kind) {
    case 'var-ref':
      return ident(expr.name) + (expr.type !== undefined ? `::${expr.type}` : '');
    case 'call':
      return `${expr.name}(${expr.args.map(exprText).join(', ')})`;
    case 'distinct':
      return `DISTINCT ${expr.name}`;
    case 'binary':
      return `${exprText(expr.lhs)} ${expr.op} ${exprText(expr.rhs)}`;
    case 'paren':
      return `(${exprText(expr.expr)})`;
    case 'number':
      return expr.value.toFixed(3);
    case 'integer':
    case 'unsigned':
      return expr.value.toString();
    case 'string':
      return quoteString(expr.value);
    case 'boolean':
      return expr.value ? 'true' : 'false';
    case 'duration':
      return formatInfluxDuration(expr.ns);
    case 'regex':
      return `/${expr.source.replace(/\//g, '\\/')}/`;
    case 'wildcard':
      return '*' + (expr.type !== undefined ? `::${expr.type}` : '');
    case 'nil':
      return '';
  }
}

function sourceText(source: Source): string {
  if (source.kind === 'subquery') return '(subquery)';
  const segments: string[] = [];
  if (source.database !== undefined) segments.push(source.database);
  if (source.retentionPolicy !== undefined || source.database !== undefined) segments.push(source.retentionPolicy ?? '');
  if (source.regex !== undefined) {
    const prefix = segments.length > 0 ? quoteIdentSegments(segments) + '.' : '';
    return `${prefix}/${source.regex.replace(/\//g, '\\/')}/`;
  }
  segments.push(source.name ?? '');
  return quoteIdentSegments(segments);
}

/**
 * Canonical text of a statement InfluxDB 1.6 refuses to run silently over GET, or undefined for
 * read-only statements (and for DELETE, whose warning we do not reproduce; SELECT INTO needs the database, see selectIntoText).
 */
export function writeStatementText(statement: Statement): string | undefined {
  switch (statement.kind) {
    case 'create-database': {
      let text = `CREATE DATABASE ${ident(statement.name)}`;
      if (statement.rpOptions !== undefined || statement.rpName !== undefined) {
        text += ' WITH';
        const o = statement.rpOptions;
        if (o?.durationNs !== undefined) text += ` DURATION ${formatGoDuration(o.durationNs)}`;
        if (o?.replicaN !== undefined) text += ` REPLICATION ${o.replicaN}`;
        if (o?.shardGroupDurationNs !== undefined && o.shardGroupDurationNs > 0n) text += ` SHARD DURATION ${formatGoDuration(o.shardGroupDurationNs)}`;
        if (statement.rpName !== undefined) text += ` NAME ${ident(statement.rpName)}`;
      }
      return text;
    }
    case 'drop-database':
      return `DROP DATABASE ${ident(statement.name)}`;
    case 'create-retention-policy': {
      let text = `CREATE RETENTION POLICY ${ident(statement.name)} ON ${ident(statement.database)} DURATION ${formatInfluxDuration(statement.durationNs)} REPLICATION ${statement.replicaN}`;
      if (statement.shardGroupDurationNs !== undefined && statement.shardGroupDurationNs > 0n) text += ` SHARD DURATION ${formatInfluxDuration(statement.shardGroupDurationNs)}`;
      return statement.makeDefault ? text + ' DEFAULT' : text;
    }
    case 'alter-retention-policy': {
      let text = `ALTER RETENTION POLICY ${ident(statement.name)} ON ${ident(statement.database)}`;
      if (statement.durationNs !== undefined) text += ` DURATION ${formatInfluxDuration(statement.durationNs)}`;
      if (statement.replicaN !== undefined) text += ` REPLICATION ${statement.replicaN}`;
      if (statement.shardGroupDurationNs !== undefined) text += ` SHARD DURATION ${formatInfluxDuration(statement.shardGroupDurationNs)}`;
      return statement.makeDefault ? text + ' DEFAULT' : text;
    }
    case 'drop-retention-policy':
      return `DROP RETENTION POLICY ${ident(statement.name)} ON ${ident(statement.database)}`;
    case 'drop-measurement':
      return `DROP MEASUREMENT ${ident(statement.name)}`;
    case 'drop-series': {
      let text = 'DROP SERIES';
      if (statement.sources.length > 0) text += ` FROM ${statement.sources.map(sourceText).join(', ')}`;
      if (statement.condition !== undefined) text += ` WHERE ${exprText(statement.condition)}`;
      return text;
    }
    case 'drop-user':
      return `DROP USER ${ident(statement.name)}`;
    case 'drop-continuous-query':
      return `DROP CONTINUOUS QUERY ${ident(statement.name)} ON ${ident(statement.database)}`;
    case 'drop-shard':
      return `DROP SHARD ${statement.id}`;
    case 'kill-query':
      return `KILL QUERY ${statement.id}` + (statement.host !== undefined ? ` ON ${ident(statement.host)}` : '');
    default:
      return undefined;
  }
}

export interface SelectIntoContext {
  readonly db: string;
  readonly defaultRp: string;
  readonly targetDefaultRp: string;
}

/**
 * SELECT … INTO as InfluxDB prints it after filling in the request database and default retention
 * policy; undefined for shapes this does not print (ORDER BY, LIMIT, fill, tz, subqueries).
 */
export function selectIntoText(statement: SelectStatement, context: SelectIntoContext): string | undefined {
  const { db, defaultRp, targetDefaultRp } = context;
  const target = statement.target;
  if (target === undefined || statement.sources.some((s) => s.kind !== 'measurement')) return undefined;
  if (!statement.ascending || statement.limit > 0 || statement.offset > 0 || statement.slimit > 0 || statement.soffset > 0) return undefined;
  if (statement.timezone !== undefined || statement.fill.kind !== 'null') return undefined;
  const qualify = (database: string | undefined, rp: string | undefined, fallbackRp = defaultRp): string[] => [database ?? db, rp !== undefined && rp !== '' ? rp : fallbackRp];
  const fields = statement.fields.map((f) => exprText(f.expr) + (f.alias !== undefined ? ` AS ${ident(f.alias)}` : '')).join(', ');
  // Measurement.String() quotes each segment on its own.
  const dotted = (segments: readonly string[]): string => segments.map(ident).join('.');
  const targetText = `${dotted(qualify(target.database, target.retentionPolicy, targetDefaultRp))}.${target.name !== undefined ? ident(target.name) : ':MEASUREMENT'}`;
  const sources = statement.sources.map((source) => {
    if (source.kind !== 'measurement') return '';
    const prefix = dotted(qualify(source.database !== '' ? source.database : undefined, source.retentionPolicy));
    return source.regex !== undefined ? `${prefix}./${source.regex.replace(/\//g, '\\/')}/` : `${prefix}.${ident(source.name ?? '')}`;
  });
  let text = `SELECT ${fields} INTO ${targetText} FROM ${sources.join(', ')}`;
  if (statement.condition !== undefined) text += ` WHERE ${exprText(statement.condition)}`;
  if (statement.dimensions.length > 0) text += ` GROUP BY ${statement.dimensions.map(exprText).join(', ')}`;
  return text;
}

/** The warning InfluxDB 1.6 attaches to a write statement received over GET. */
export function readOnlyWarning(statement: Statement, selectInto?: SelectIntoContext): string | undefined {
  const text = statement.kind === 'select' && selectInto !== undefined ? selectIntoText(statement, selectInto) : writeStatementText(statement);
  return text === undefined ? undefined : `deprecated use of '${text}' in a read only context, please use a POST request instead`;
}
