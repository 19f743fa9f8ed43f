// Whether a Content-Type header names a media type fastify can route. InfluxDB 1.x never looks at
// the header of /write or /query (its CLI sends an empty one), so one that is not a type/subtype
// is dropped before fastify would answer 415.

const TOKEN = /^[\w!#$%&'*+.^`|~-]+$/;

/** `type/subtype` made of RFC 9110 tokens before any parameters, as fastify's ContentType requires. */
export function isValidMediaType(header: string): boolean {
  const semicolon = header.indexOf(';');
  const mediaType = semicolon < 0 ? header : header.slice(0, semicolon);
  const slash = mediaType.indexOf('/');
  if (slash < 0) return false;
  return TOKEN.test(mediaType.slice(0, slash).trimStart()) && TOKEN.test(mediaType.slice(slash + 1).trimEnd());
}
