// InfluxQL's canonical text (influxql 1.x String()) of SELECT and CREATE CONTINUOUS QUERY, as
// InfluxDB 1.6.7 stores a continuous query and SHOW CONTINUOUS QUERIES prints it. Pure; the text
// parses back to the same statement.

import type { FillOption, SelectStatement, Source, StatementOf, Target } from './ast.js';
import { formatInfluxDuration } from './duration.js';
import { KEYWORDS } from './lexer.js';
import { exprText } from './statement-text.js';

const keywords: ReadonlySet<string> = new Set<string>([...KEYWORDS, 'AND', 'OR', 'TRUE', 'FALSE']);

/** influxql.QuoteIdent of one name: bare when it is an identifier and no keyword, else double-quoted. */
export function influxIdent(name: string): string {
  const bare = /^[\p{L}_][\p{L}\p{N}_]*$/u.test(name) && !keywords.has(name.toUpperCase());
  return bare ? name : `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function regexText(source: string): string {
  return `/${source.replace(/\//g, '\\/')}/`;
}

/** Measurement.String(): `db.rp.name`, `db..name`, `rp.name`, a regex in place of the name. */
function measurementText(database: string | undefined, retentionPolicy: string | undefined, name: string | undefined, regex: string | undefined): string {
  let text = '';
  if (database !== undefined && database !== '') text += `${influxIdent(database)}.`;
  if (retentionPolicy !== undefined && retentionPolicy !== '') text += influxIdent(retentionPolicy);
  if ((database ?? '') !== '' || (retentionPolicy ?? '') !== '') text += '.';
  if (name !== undefined && name !== '') text += influxIdent(name);
  else if (regex !== undefined) text += regexText(regex);
  return text;
}

function sourceText(source: Source): string {
  if (source.kind === 'subquery') return `(${selectText(source.statement)})`;
  return measurementText(source.database, source.retentionPolicy, source.name, source.regex);
}

function targetText(target: Target): string {
  const text = `INTO ${measurementText(target.database, target.retentionPolicy, target.name, undefined)}`;
  return target.name === undefined || target.name === '' ? `${text}:MEASUREMENT` : text;
}

/** Go's %v of a float64 (strconv 'g', shortest): exponent form below 1e-4 and from 1e6. */
export function goFloatText(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(value);
}

function fillText(fill: FillOption): string {
  switch (fill.kind) {
    case 'null':
      return '';
    case 'number':
      return ` fill(${typeof fill.value === 'bigint' ? fill.value.toString() : goFloatText(fill.value)})`;
    default:
      return ` fill(${fill.kind})`;
  }
}

/** SelectStatement.String(). The AST keeps only the direction of ORDER BY, so it prints only DESC. */
export function selectText(s: SelectStatement): string {
  let text = `SELECT ${s.fields.map((f) => exprText(f.expr) + (f.alias !== undefined ? ` AS ${influxIdent(f.alias)}` : '')).join(', ')}`;
  if (s.target !== undefined) text += ` ${targetText(s.target)}`;
  if (s.sources.length > 0) text += ` FROM ${s.sources.map(sourceText).join(', ')}`;
  if (s.condition !== undefined) text += ` WHERE ${exprText(s.condition)}`;
  if (s.dimensions.length > 0) text += ` GROUP BY ${s.dimensions.map(exprText).join(', ')}`;
  text += fillText(s.fill);
  if (!s.ascending) text += ' ORDER BY time DESC';
  if (s.limit > 0) text += ` LIMIT ${s.limit}`;
  if (s.offset > 0) text += ` OFFSET ${s.offset}`;
  if (s.slimit > 0) text += ` SLIMIT ${s.slimit}`;
  if (s.soffset > 0) text += ` SOFFSET ${s.soffset}`;
  if (s.timezone !== undefined) text += ` TZ('${s.timezone}')`;
  return text;
}

/** CreateContinuousQueryStatement.String(). */
export function continuousQueryText(statement: StatementOf<'create-continuous-query'>): string {
  let text = `CREATE CONTINUOUS QUERY ${influxIdent(statement.name)} ON ${influxIdent(statement.database)} `;
  const every = statement.resampleEveryNs ?? 0n;
  const forNs = statement.resampleForNs ?? 0n;
  if (every > 0n || forNs > 0n) {
    text += 'RESAMPLE ';
    if (every > 0n) text += `EVERY ${formatInfluxDuration(every)} `;
    if (forNs > 0n) text += `FOR ${formatInfluxDuration(forNs)} `;
  }
  return `${text}BEGIN ${selectText(statement.statement)} END`;
}
