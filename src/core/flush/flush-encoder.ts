// Runs the flush's CPU work (WAL decode, RowBinary encode) on a worker thread so ingestion keeps
// the main thread. One request in flight at a time (the flush never overlaps itself).

import { Worker } from 'node:worker_threads';
import type { FieldType } from '../model/point.js';
import type { Service } from '../service.js';
import { Gauge, type Registry } from 'prom-client';

export interface EncodeRequest {
  readonly id: number;
  readonly stagingDir: string;
  readonly values: ReadonlyArray<{ readonly seq: number; readonly value: Uint8Array }>;
}

export interface StagedTable {
  readonly db: string;
  readonly rp: string;
  readonly measurement: string;
  readonly path: string;
  readonly columns: readonly string[];
  readonly structure: string;
  readonly minTimeNs: bigint;
  readonly maxTimeNs: bigint;
  /** Lowest catalog index the table's writes were validated at. */
  readonly minCatalogIndex: number;
  readonly tagKeys: readonly string[];
  readonly fields: ReadonlyArray<readonly [string, FieldType]>;
}

/** The worker's V8 heap after a request (its own isolate, apart from the main thread's). */
export interface EncoderHeap {
  readonly usedBytes: number;
  readonly totalBytes: number;
  /** The insert buffer it keeps between rounds (outside the V8 heap; store/insert-buffer.ts). */
  readonly insertBufferBytes: number;
}

export interface FlushEncoderOptions {
  /** The flush's `maxBytesPerRound` (WAL bytes): the kept insert buffer is bounded from it. */
  readonly maxBytesPerRound: number;
}

/**
 * The largest insert buffer the thread keeps between rounds: a round's RowBinary is larger than
 * its WAL bytes (3.4 times for TSBS cpu rows: each row repeats its series key and tags), so four
 * times the round's bytes keeps the buffer of a full round; a larger payload gets a fresh one.
 */
export function maxKeptInsertBytes(options: FlushEncoderOptions): number {
  return 4 * options.maxBytesPerRound;
}

/** What the thread starts with (its workerData). */
export interface EncoderWorkerData {
  readonly maxKeptInsertBytes: number;
}

/** Asks an idle worker to collect its garbage; it answers with its heap after. */
export interface ReleaseRequest {
  readonly release: true;
}

export interface ReleaseResponse {
  readonly released: true;
  readonly heap: EncoderHeap;
}

export type EncodeResponse = { readonly id: number; readonly tables: StagedTable[]; readonly points: number; readonly heap: EncoderHeap } | { readonly id: number; readonly error: string };

/**
 * Starts the worker module. Node 20 ignores ESM loader flags in a worker's execArgv, so a
 * TypeScript worker registers tsx itself before importing the module.
 */
function spawnWorker(moduleUrl: URL, workerData: EncoderWorkerData): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })` +
    `.catch((error) => { process.stderr.write('flush encoder failed to start: ' + String(error && error.stack || error) + '\\n'); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData });
}

export class FlushEncoder implements Service {
  readonly name = 'flush-encoder';
  private worker: Worker | null = null;
  private nextId = 0;
  private pending: { id: number; resolve: (r: EncodeResponse) => void; reject: (e: Error) => void } | null = null;
  private lastHeap: EncoderHeap = { usedBytes: 0, totalBytes: 0, insertBufferBytes: 0 };

  constructor(
    private readonly stagingDir: string,
    private readonly options: FlushEncoderOptions,
  ) {
    if (!(Number.isSafeInteger(options.maxBytesPerRound) && options.maxBytesPerRound > 0)) throw new RangeError('flush encoder: maxBytesPerRound must be a positive byte count');
  }

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = spawnWorker(new URL('./flush-encoder-worker.ts', import.meta.url), { maxKeptInsertBytes: maxKeptInsertBytes(this.options) });
    worker.unref();
    worker.on('message', (response: EncodeResponse | ReleaseResponse) => {
      if ('released' in response) {
        this.lastHeap = response.heap;
        return;
      }
      const pending = this.pending;
      if (!pending || pending.id !== response.id) return;
      this.pending = null;
      pending.resolve(response);
    });
    worker.on('error', (error) => this.failPending(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.failPending(new Error(`flush encoder thread exited with code ${code}`));
    });
    this.worker = worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  /** Encodes sealed WAL values into staged per-table files. */
  async encode(values: EncodeRequest['values']): Promise<{ tables: StagedTable[]; points: number }> {
    if (!this.worker) await this.start();
    if (this.pending) throw new Error('flush encoder: one request at a time');
    const id = ++this.nextId;
    const response = await new Promise<EncodeResponse>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.worker!.postMessage({ id, stagingDir: this.stagingDir, values } satisfies EncodeRequest);
    });
    if ('error' in response) throw new Error(`flush encoder: ${response.error}`);
    this.lastHeap = response.heap;
    return response;
  }

  /**
   * Has an idle thread drop its insert buffer and collect its garbage (a burst grows its heap by
   * a few times a round's bytes).
   */
  release(): void {
    if (!this.worker || this.pending) return;
    this.worker.postMessage({ release: true } satisfies ReleaseRequest);
  }

  /** The worker's V8 heap as of its last round or release (zero before the first). */
  heap(): EncoderHeap {
    return this.lastHeap;
  }
}

/**
 * hyperbytedb_flush_encoder_heap_bytes{kind="used"|"total"|"insert_buffer"}: the encoder thread's
 * V8 heap after its last round, and the insert buffer it keeps (outside that heap).
 */
export function registerEncoderHeapMetric(registry: Registry, encoder: FlushEncoder): void {
  new Gauge({
    name: 'hyperbytedb_flush_encoder_heap_bytes',
    help: "The flush encoder thread's V8 heap (its own isolate) after its last round or release: used and total; and the insert buffer it keeps between rounds.",
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const heap = encoder.heap();
      this.set({ kind: 'used' }, heap.usedBytes);
      this.set({ kind: 'total' }, heap.totalBytes);
      this.set({ kind: 'insert_buffer' }, heap.insertBufferBytes);
    },
  });
}
