// HTTP client for peer routes: one undici Pool per peer address, every request signed with the
// cluster key and bounded by a deadline. It knows nothing about what the routes do.

import { Pool } from 'undici';
import { signRequest } from './peer-auth.js';
import { HyperbyteError } from '../core/errors.js';

export interface PeerClientOptions {
  readonly nodeId: string;
  readonly key: Buffer;
  /** Default deadline of a request (headers and body). */
  readonly requestTimeoutMs: number;
  /** Connections per peer. */
  readonly connectionsPerPeer: number;
  /** Largest answer read from a peer. */
  readonly maxResponseBytes: number;
  readonly nowMs: () => number;
}

export interface PeerResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** A peer answered with an error status; carries its status and message. */
export class PeerRequestError extends HyperbyteError {
  constructor(
    readonly peerStatus: number,
    message: string,
    readonly peerCode: string,
  ) {
    super(peerCode || 'HB_PEER_ERROR', peerStatus, message);
  }
}

export class PeerClient {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: PeerClientOptions) {}

  async request(
    address: string,
    request: { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: Buffer; readonly contentType?: string; readonly timeoutMs?: number; readonly signal?: AbortSignal },
  ): Promise<PeerResponse> {
    if (this.closed) throw new Error('peer client is closed');
    const body = request.body ?? Buffer.alloc(0);
    const signed = signRequest(this.options.key, { method: request.method, pathWithQuery: request.path, node: this.options.nodeId, nowMs: this.options.nowMs(), body });
    const timeoutMs = request.timeoutMs ?? this.options.requestTimeoutMs;
    const signal = request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const response = await this.pool(address).request({
      method: request.method,
      path: request.path,
      headers: { ...signed, ...(request.contentType ? { 'content-type': request.contentType } : {}) },
      ...(request.method === 'POST' ? { body } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > this.options.maxResponseBytes) {
        response.body.destroy();
        throw new Error(`peer ${address} answered more than ${this.options.maxResponseBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { status: response.statusCode, body: Buffer.concat(chunks) };
  }

  /** Like request, but a non-2xx answer throws PeerRequestError with the peer's message. */
  async requestOk(address: string, request: Parameters<PeerClient['request']>[1]): Promise<Buffer> {
    const response = await this.request(address, request);
    if (response.status >= 200 && response.status < 300) return response.body;
    let message = response.body.toString('utf8').slice(0, 2000);
    let code = '';
    try {
      const parsed = JSON.parse(message) as { error?: unknown; code?: unknown };
      if (typeof parsed.error === 'string') message = parsed.error;
      if (typeof parsed.code === 'string') code = parsed.code;
    } catch {
      // not JSON: keep the text
    }
    throw new PeerRequestError(response.status, message, code);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => undefined)));
  }

  private pool(address: string): Pool {
    let pool = this.pools.get(address);
    if (!pool) {
      pool = new Pool(`http://${address}`, { connections: this.options.connectionsPerPeer, keepAliveTimeout: 10_000, connectTimeout: Math.min(5_000, this.options.requestTimeoutMs) });
      this.pools.set(address, pool);
    }
    return pool;
  }
}
