// Physical names in chDB for (database, retention policy, measurement) and tag/field columns,
// plus the quoting of identifiers and literals. No user text may reach SQL except through here.

import { createHash } from 'node:crypto';

/** Encodes a name into [A-Za-z0-9] plus `_XX` hex escapes (UTF-8 bytes); injective, so `__` never occurs inside. */
export function encodeName(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const isAlnum = (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122);
    out += isAlnum ? String.fromCharCode(byte) : '_' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

export function decodeName(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '_') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Longest encodings used as they are. InfluxDB accepts names of any length; ClickHouse refuses
 * table names over 200 bytes, and a database is a directory plus `<name>.sql` metadata files
 * (255-byte file names), so `m_<measurement>` stays within 192 and `hb_<db>__<rp>` within 197.
 */
export const MAX_ENCODED_TABLE_NAME = 190;
export const MAX_ENCODED_DATABASE_PART = 96;
const HASHED_PREFIX = 40;

/**
 * encodeName, bounded: a longer encoding keeps its first characters and ends in `_z` plus 24 hex
 * digits of the name's SHA-256. `_z` never occurs in encodeName's output (escapes are hex), so
 * bounded names stay distinct from short ones, and from each other up to a 96-bit hash.
 */
export function boundedName(name: string, maxLength: number): string {
  const encoded = encodeName(name);
  if (encoded.length <= maxLength) return encoded;
  let head = encoded.slice(0, HASHED_PREFIX);
  // Never end inside an `_XX` escape, nor on `_` (the db/rp separator is `__`).
  const cut = head.lastIndexOf('_');
  if (cut >= head.length - 2) head = head.slice(0, cut);
  return `${head}_z${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 24)}`;
}

/** The ClickHouse database holding one (database, retention policy). */
export function chDatabaseName(db: string, rp: string): string {
  return `hb_${boundedName(db, MAX_ENCODED_DATABASE_PART)}__${boundedName(rp, MAX_ENCODED_DATABASE_PART)}`;
}

/** Prefix of every ClickHouse database belonging to one InfluxDB database. */
export function chDatabasePrefix(db: string): string {
  return `hb_${boundedName(db, MAX_ENCODED_DATABASE_PART)}__`;
}

export function chTableName(measurement: string): string {
  return `m_${boundedName(measurement, MAX_ENCODED_TABLE_NAME)}`;
}

/** Fully qualified, quoted `db`.`table` for one measurement. */
export function qualifiedTable(db: string, rp: string, measurement: string): string {
  return `${quoteIdent(chDatabaseName(db, rp))}.${quoteIdent(chTableName(measurement))}`;
}

export const TIME_COLUMN = 'time';

/**
 * Tags and fields live in separate namespaces (InfluxDB allows a tag and a field of one name).
 * Column names are encoded to [A-Za-z0-9_] like table names: chdb's insert API accepts nothing else.
 */
export function tagColumn(tagKey: string): string {
  return `t_${encodeName(tagKey)}`;
}

/**
 * A field's value as queries name it: a column of the table source (query/sql/table-source.ts)
 * or of a subquery, never one stored under this name.
 */
export function fieldColumn(fieldKey: string): string {
  return `f_${encodeName(fieldKey)}`;
}

/**
 * Where a field is stored: (version, value) tuples, so replicas keep the same value whatever
 * order writes reach them in (ddl.ts). Its own prefix keeps it apart from tag and field names.
 */
export function fieldStorageColumn(fieldKey: string): string {
  return `v_${encodeName(fieldKey)}`;
}

/** Reads a field's value from its stored column (ClickHouse then reads only the value element). */
export function fieldValueSql(fieldKey: string): string {
  return `tupleElement(${quoteIdent(fieldStorageColumn(fieldKey))}, 2)`;
}

/** `db.table` without quotes, for chdb's insert API (both parts are already [A-Za-z0-9_]). */
export function insertTarget(db: string, rp: string, measurement: string): string {
  return `${chDatabaseName(db, rp)}.${chTableName(measurement)}`;
}

/** Backtick-quotes an identifier, escaping backslashes and backticks. */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** Single-quotes a string literal, escaping backslashes and quotes. */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}
