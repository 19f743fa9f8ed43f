// Request parameters as InfluxDB 1.x reads them (Go's Request.FormValue): one string per name.
// A repeated name yields its first value, and form fields of a POST body come before URL parameters.

/** The first value of each name; fastify's querystring parser gives repeated names as arrays. */
export function firstValues(source: unknown): Record<string, string> {
  // No prototype: a parameter named __proto__ or constructor is just a name.
  const out = Object.create(null) as Record<string, string>;
  if (typeof source !== 'object' || source === null) return out;
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[name] = first;
  }
  return out;
}

/**
 * URL parameters overridden by the fields of an x-www-form-urlencoded body; first value per name in
 * each. Fields of a multipart body come after the URL's (Go appends them to the form): they fill
 * only names the URL lacks.
 */
export function formValues(urlQuery: unknown, formBody: string | undefined, multipart?: ReadonlyMap<string, readonly string[]>): Record<string, string> {
  const out = firstValues(urlQuery);
  for (const [name, values] of multipart ?? []) if (!(name in out) && values[0] !== undefined) out[name] = values[0];
  if (formBody === undefined) return out;
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(formBody)) {
    if (seen.has(name)) continue;
    seen.add(name);
    out[name] = value;
  }
  return out;
}
