// Closed-loop query clients for a fixed time against one server: each client sends its next query
// as soon as the last one is answered. Shared by bench:query (CLIENTS) and bench:mixed-queries.
// Only measures; it never checks answers beyond their status and an "error" key.

import { request } from 'undici';

export interface MixQuery {
  /** What the query is counted as (e.g. its TSBS name, or "small"/"heavy"). */
  readonly kind: string;
  readonly text: string;
}

export interface ClientMixOptions {
  readonly url: string;
  readonly db: string;
  readonly clients: number;
  readonly seconds: number;
  /** The query client `client` sends as its `i`-th; the same (client, i) must give the same query on every server. */
  readonly next: (client: number, i: number) => MixQuery;
  readonly requestTimeoutMs?: number;
}

export interface ClientMixResult {
  /** Wall time from the first query sent to the last answer read (the last queries finish past `seconds`). */
  readonly elapsedMs: number;
  /** Latencies (ms) of the queries answered without error, per kind. */
  readonly latencies: ReadonlyMap<string, readonly number[]>;
  /** Answers with a non-200 status, an "error" key or a transport failure. */
  readonly errors: number;
  readonly firstError?: string;
}

export async function runClientMix(options: ClientMixOptions): Promise<ClientMixResult> {
  const timeoutMs = options.requestTimeoutMs ?? 300_000;
  const latencies = new Map<string, number[]>();
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const client = async (c: number): Promise<void> => {
    for (let i = 0; performance.now() < until; i++) {
      const q = options.next(c, i);
      const t0 = performance.now();
      try {
        const res = await request(`${options.url}/query?db=${encodeURIComponent(options.db)}&q=${encodeURIComponent(q.text)}`, {
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const body = await res.body.text();
        if (res.statusCode !== 200 || body.includes('"error"')) {
          errors++;
          firstError ??= `${q.kind}: ${res.statusCode} ${body.slice(0, 200)}`;
          continue;
        }
      } catch (err) {
        errors++;
        firstError ??= `${q.kind}: ${String(err)}`;
        continue;
      }
      const ms = performance.now() - t0;
      const list = latencies.get(q.kind) ?? [];
      list.push(ms);
      latencies.set(q.kind, list);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  return { elapsedMs: performance.now() - started, latencies, errors, ...(firstError !== undefined ? { firstError } : {}) };
}

/** The answered queries of a mix, over every kind. */
export function answeredCount(result: ClientMixResult): number {
  let n = 0;
  for (const list of result.latencies.values()) n += list.length;
  return n;
}

/** Nearest-rank percentile of unsorted latencies (NaN when empty). */
export function latencyPercentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
