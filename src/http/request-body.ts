// Request body decoding shared by /write and /query: gzip with a bounded output size.
// It never buffers more than the configured maximum body size.

import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { BadRequestError, LimitExceededError } from '../core/errors.js';

const gunzipAsync = promisify(gunzip);

export async function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  if (contentEncoding === undefined || contentEncoding === '' || contentEncoding === 'identity') return body;
  if (contentEncoding !== 'gzip') throw new BadRequestError(`unsupported content encoding: ${contentEncoding}`);
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new LimitExceededError('Request Entity Too Large');
    throw new BadRequestError('gzip: invalid header');
  }
}
