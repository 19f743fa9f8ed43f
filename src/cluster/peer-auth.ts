// Signatures of peer requests: HMAC-SHA256, keyed from the cluster secret, over the method, path
// with query, sending node, date and the body's hash, valid within a time window. Peer traffic
// never needs a user account; a request without a valid signature is refused.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const NODE_HEADER = 'x-hyperbytedb-node';
export const DATE_HEADER = 'x-hyperbytedb-date';
export const AUTH_SCHEME = 'HBDB-HMAC-SHA256';

export interface SignedHeaders {
  readonly [NODE_HEADER]: string;
  readonly [DATE_HEADER]: string;
  readonly authorization: string;
}

/** A key of its own for HTTP signatures, so a signature never doubles as a Raft handshake proof. */
export function signingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('hyperbytedb peer http v1').digest();
}

function stringToSign(method: string, pathWithQuery: string, node: string, dateMs: string, body: Uint8Array): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `${method.toUpperCase()}\n${pathWithQuery}\n${node}\n${dateMs}\n${bodyHash}`;
}

export function signRequest(key: Buffer, request: { method: string; pathWithQuery: string; node: string; nowMs: number; body: Uint8Array }): SignedHeaders {
  const date = String(Math.floor(request.nowMs));
  const mac = createHmac('sha256', key).update(stringToSign(request.method, request.pathWithQuery, request.node, date, request.body)).digest('hex');
  return { [NODE_HEADER]: request.node, [DATE_HEADER]: date, authorization: `${AUTH_SCHEME} ${mac}` };
}

export type VerifyResult = { readonly ok: true; readonly node: string } | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'expired' | 'bad-signature' };

export function verifyRequest(
  key: Buffer,
  request: { method: string; pathWithQuery: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: Uint8Array; nowMs: number },
  windowMs: number,
): VerifyResult {
  const node = single(request.headers[NODE_HEADER]);
  const date = single(request.headers[DATE_HEADER]);
  const authorization = single(request.headers['authorization']);
  if (node === undefined || date === undefined || authorization === undefined) return { ok: false, reason: 'missing' };
  const match = /^HBDB-HMAC-SHA256 ([0-9a-f]{64})$/.exec(authorization);
  if (match === null || !/^\d{1,16}$/.test(date)) return { ok: false, reason: 'malformed' };
  if (Math.abs(request.nowMs - Number(date)) > windowMs) return { ok: false, reason: 'expired' };
  const expected = createHmac('sha256', key).update(stringToSign(request.method, request.pathWithQuery, node, date, request.body)).digest();
  const given = Buffer.from(match[1]!, 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, node };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
