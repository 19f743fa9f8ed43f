// HTTP client for one node, through the gateway's Unix socket, with a hard deadline on every
// request. Classifies each answer as ok / fail / unknown and never assumes more than it saw:
// a timeout or a cut connection is unknown, a 5xx is unknown unless the server says it refused
// before any side effect, only a 2xx is ok.
import { Pool } from 'undici';
import type { Outcome } from './history.js';

export interface Answer {
  readonly outcome: Outcome;
  readonly status?: number;
  readonly error?: string;
  /** Parsed JSON body of a /query answer (when it was JSON). */
  readonly json?: unknown;
}

export interface NodeClientOptions {
  readonly node: string;
  /** http://<address>:<port>, used for the Host header; the socket decides where bytes go. */
  readonly origin: string;
  readonly socketPath: string;
  readonly timeoutMs: number;
  readonly connections: number;
}

interface QueryJson {
  results?: Array<{ error?: string; series?: Array<{ columns: string[]; values: unknown[][] }> }>;
  error?: string;
}

/** InfluxDB reports a failed statement inside a 200 answer. */
export function statementError(json: unknown): string | null {
  const body = json as QueryJson | null;
  if (body === null || typeof body !== 'object') return 'answer is not JSON';
  if (typeof body.error === 'string') return body.error;
  const failed = body.results?.find((r) => typeof r.error === 'string');
  return failed?.error ?? null;
}

/**
 * Statement errors that are refusals before anything changed (the catalog check, the parser).
 * Any other error of a statement that changes state may hide a change that took effect (a Raft
 * proposal committed but not yet applied here, a leader that stopped answering after it
 * committed), so it is unknown.
 */
const DEFINITE_STATEMENT_REFUSALS = /^(database not found|retention policy (not found|already exists)|error parsing query)/i;

export function statementOutcome(error: string): Outcome {
  return DEFINITE_STATEMENT_REFUSALS.test(error) ? 'fail' : 'unknown';
}

/**
 * The cluster's refusal of a write before any side effect: too few reachable members for the
 * consistency level (src/cluster/consistency.ts `unavailableMessage`). Other 503s (syncing,
 * draining, no leader) are unknown: the harness does not assume where they were raised.
 */
const REFUSED_BEFORE_SIDE_EFFECT = /"error":"cluster unavailable: consistency /;

/** Outcome of an HTTP status for a request that changes state. */
export function classifyStatus(status: number, body: string, gatewayHeader: string | undefined): Outcome {
  if (gatewayHeader === 'connect-failed') return 'fail';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 503 && REFUSED_BEFORE_SIDE_EFFECT.test(body)) return 'fail';
  // A partial write stored some points: the request as a whole is neither done nor not done.
  if (status === 400 && /partial write/i.test(body)) return 'unknown';
  if (status >= 400 && status < 500) return 'fail';
  return 'unknown';
}

export class NodeClient {
  private readonly pool: Pool;

  constructor(readonly options: NodeClientOptions) {
    this.pool = new Pool(options.origin, {
      socketPath: options.socketPath,
      connections: options.connections,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 2_000),
    });
  }

  get node(): string {
    return this.options.node;
  }

  private async send(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number, headers: Readonly<Record<string, string>> = {}): Promise<Answer & { text?: string }> {
    try {
      const res = await this.pool.request({
        method, path, ...(body !== undefined ? { body } : {}),
        headers: { ...(body !== undefined ? { 'content-type': 'text/plain' } : {}), ...headers },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.body.text();
      const gateway = res.headers['x-chaos-gateway'];
      const outcome = classifyStatus(res.statusCode, text, typeof gateway === 'string' ? gateway : undefined);
      return {
        outcome, status: res.statusCode, text,
        ...(outcome !== 'ok' ? { error: `HTTP ${res.statusCode}${gateway ? ` (gateway ${String(gateway)})` : ''}: ${text.slice(0, 200)}` } : {}),
      };
    } catch (error) {
      const e = error as Error & { code?: string };
      // The gateway's socket refused us: the request never left this process.
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') return { outcome: 'fail', error: `gateway unreachable: ${e.code}` };
      return { outcome: 'unknown', error: `${e.name}${e.code ? ` ${e.code}` : ''}: ${e.message}` };
    }
  }

  /** POST /write with line protocol. */
  async write(db: string, lines: string, consistency = 'quorum', timeoutMs = this.options.timeoutMs): Promise<Answer> {
    const path = `/write?db=${encodeURIComponent(db)}&consistency=${encodeURIComponent(consistency)}`;
    const { text: _text, ...answer } = await this.send('POST', path, lines, timeoutMs);
    return answer;
  }

  /** A statement through /query; POST for statements that change state. A statement error is a fail only when it is a definite refusal. */
  async query(q: string, opts: { db?: string; method?: 'GET' | 'POST'; timeoutMs?: number } = {}): Promise<Answer> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (opts.db !== undefined) params.set('db', opts.db);
    const answer = await this.send(opts.method ?? 'GET', `/query?${params.toString()}`, undefined, opts.timeoutMs ?? this.options.timeoutMs);
    if (answer.outcome !== 'ok' || answer.text === undefined) return { outcome: answer.outcome, ...(answer.status !== undefined ? { status: answer.status } : {}), ...(answer.error !== undefined ? { error: answer.error } : {}) };
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      return { outcome: 'unknown', status: answer.status ?? 0, error: `answer is not JSON: ${answer.text.slice(0, 200)}` };
    }
    const failed = statementError(json);
    return failed === null ? { outcome: 'ok', status: answer.status ?? 200, json } : { outcome: statementOutcome(failed), status: answer.status ?? 200, error: failed, json };
  }

  /** GET of a JSON endpoint (/cluster/leader, /internal/sync/manifest, …); ok only for a 2xx with JSON. */
  async getJson(path: string, timeoutMs = this.options.timeoutMs): Promise<Answer> {
    const answer = await this.send('GET', path, undefined, timeoutMs);
    if (answer.outcome !== 'ok' || answer.text === undefined) return { outcome: answer.outcome === 'ok' ? 'unknown' : answer.outcome, ...(answer.status !== undefined ? { status: answer.status } : {}), error: answer.error ?? 'no body' };
    try {
      return { outcome: 'ok', status: answer.status ?? 200, json: JSON.parse(answer.text) as unknown };
    } catch {
      return { outcome: 'unknown', status: answer.status ?? 0, error: `answer is not JSON: ${answer.text.slice(0, 200)}` };
    }
  }

  /** A POST with the caller's headers (a signed peer request, for reproductions); the body's text is kept. */
  async post(path: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs = this.options.timeoutMs): Promise<Answer & { text?: string }> {
    return this.send('POST', path, body, timeoutMs, headers);
  }

  async ping(timeoutMs = 1_000): Promise<boolean> {
    const answer = await this.send('GET', '/ping', undefined, timeoutMs);
    return answer.status === 204;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
