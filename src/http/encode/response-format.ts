// Picks the answer's encoding from the Accept header exactly as InfluxDB 1.x does (the whole
// header compared, no content negotiation), and encodes a request-level error in it.

import { formatErrorCsv } from './csv.js';
import { formatErrorJson } from './json.js';
import { formatErrorMsgpack } from './msgpack.js';

export type ResponseFormat = 'json' | 'csv' | 'msgpack';

/** The Content-Type each format is answered with (1.x sends CSV as text/csv whichever was asked). */
export const FORMAT_CONTENT_TYPE: Readonly<Record<ResponseFormat, string>> = {
  json: 'application/json',
  csv: 'text/csv',
  msgpack: 'application/x-msgpack',
};

/** `application/csv` or `text/csv` → CSV, `application/x-msgpack` → MessagePack, anything else → JSON. */
export function responseFormat(accept: string | readonly string[] | undefined): ResponseFormat {
  const value = Array.isArray(accept) ? accept[0] : accept;
  switch (value) {
    case 'application/csv':
    case 'text/csv':
      return 'csv';
    case 'application/x-msgpack':
      return 'msgpack';
    default:
      return 'json';
  }
}

/** `{"error":"…"}` in the format: a JSON line, a CSV document, or a MessagePack map. */
export function formatError(message: string, format: ResponseFormat, options: { readonly pretty?: boolean } = {}): string | Buffer {
  switch (format) {
    case 'csv':
      return formatErrorCsv(message);
    case 'msgpack':
      return formatErrorMsgpack(message);
    case 'json':
      return formatErrorJson(message, options) + '\n';
  }
}
