// Escaping rules of InfluxDB 1.6 line protocol, per element (measurement, tag, field key, string value).
// Pure string functions; they must keep byte-exact 1.6.7 behaviour, including its asymmetries.

const BACKSLASH = 92;

/**
 * Drops every backslash that directly precedes one of `codes`; other backslashes stay.
 * This is what 1.6's `escape.Unescape`, `unescapeTag` and `escape.AppendUnescaped` do.
 */
function unescapeCodes(raw: string, isCode: (c: number) => boolean): string {
  let at = raw.indexOf('\\');
  if (at === -1) return raw;
  let out = '';
  let from = 0;
  const n = raw.length;
  while (at !== -1 && at + 1 < n) {
    if (isCode(raw.charCodeAt(at + 1))) {
      out += raw.slice(from, at);
      from = at + 1;
      at = raw.indexOf('\\', at + 2);
    } else {
      at = raw.indexOf('\\', at + 1);
    }
  }
  return out + raw.slice(from);
}

// comma, space, equals, double quote
const isMeasurementCode = (c: number): boolean => c === 44 || c === 32 || c === 61 || c === 34;
// backslash, double quote (inside a string field's quotes)
const isStringFieldCode = (c: number): boolean => c === BACKSLASH || c === 34;
// comma, space, equals (1.6 keeps `\"` in tags)
const isTagCode = (c: number): boolean => c === 44 || c === 32 || c === 61;

/** Measurement name as 1.6.7 stores it: `\,` `\ ` `\=` `\"` are unescaped, `\\` is kept as is. */
export function unescapeMeasurement(raw: string): string {
  return unescapeCodes(raw, isMeasurementCode);
}

/** Tag key or value as 1.6.7 stores it: `\,` `\ ` `\=` are unescaped; `\"` and `\\` are kept. */
export function unescapeTag(raw: string): string {
  return unescapeCodes(raw, isTagCode);
}

/** Field key as 1.6.7 stores it: like a measurement name. */
export function unescapeFieldKey(raw: string): string {
  return unescapeCodes(raw, isMeasurementCode);
}

/** Contents of a string field (between the quotes): `\\` becomes `\`, `\"` becomes `"`. */
export function unescapeStringField(raw: string): string {
  return unescapeCodes(raw, isStringFieldCode);
}

/**
 * Escapes a measurement name so the parser returns it unchanged. Exact only for names that
 * 1.6.7 can represent: a backslash before `,`, ` `, `=` or `"`, or at the very end, cannot round-trip.
 */
export function escapeMeasurement(name: string): string {
  return name.replace(/[, ]/g, '\\$&');
}

/** Escapes a tag key or value (same round-trip limits as `escapeMeasurement`). */
export function escapeTag(value: string): string {
  return value.replace(/[, =]/g, '\\$&');
}

/** Escapes a field key (same round-trip limits as `escapeMeasurement`). */
export function escapeFieldKey(key: string): string {
  return key.replace(/[, ="]/g, '\\$&');
}

/** Escapes the contents of a string field; the caller adds the surrounding quotes. */
export function escapeStringField(value: string): string {
  return value.replace(/["\\]/g, '\\$&');
}
