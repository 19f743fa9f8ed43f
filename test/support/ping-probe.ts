// Polls GET /ping from a worker thread of its own, so the caller's own work (parsing large answers)
// never delays the pings it measures. Bounded: each ping times out, and stop() ends the thread.
import { Worker } from 'node:worker_threads';

const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
parentPort.once('message', () => { running = false; });
(async () => {
  const pings = [];
  let failures = 0;
  while (running) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url + '/ping', { signal: AbortSignal.timeout(workerData.timeoutMs) });
      await res.arrayBuffer();
      if (res.status !== 204) failures++;
    } catch {
      failures++;
    }
    pings.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, workerData.everyMs));
  }
  parentPort.postMessage({ pings, failures });
})();
`;

export interface PingFigures {
  /** Latencies in ms, ascending. */
  readonly pings: readonly number[];
  /** Pings that failed, timed out or were not answered 204. */
  readonly failures: number;
}

export interface PingProbe {
  stop(): Promise<PingFigures>;
}

export function startPingProbe(url: string, options: { readonly everyMs: number; readonly timeoutMs?: number }): PingProbe {
  const worker = new Worker(PROBE, { eval: true, workerData: { url, everyMs: options.everyMs, timeoutMs: options.timeoutMs ?? 10_000 } });
  const done = new Promise<PingFigures>((resolve, reject) => {
    worker.once('message', (figures: { pings: number[]; failures: number }) => resolve({ pings: figures.pings.sort((a, b) => a - b), failures: figures.failures }));
    worker.once('error', reject);
  });
  let stopping: Promise<PingFigures> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        worker.postMessage('stop');
        const figures = await done;
        await worker.terminate();
        return figures;
      })();
      return stopping;
    },
  };
}

/** The value at fraction `p` of ascending `sorted` (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}
