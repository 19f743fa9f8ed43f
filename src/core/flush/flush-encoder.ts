// Runs the flush's CPU work (WAL decode, RowBinary encode) on a worker thread so ingestion keeps
// the main thread. One request in flight at a time (the flush never overlaps itself).

import { Worker } from 'node:worker_threads';
import type { FieldType } from '../model/point.js';
import type { Service } from '../service.js';

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

export type EncodeResponse = { readonly id: number; readonly tables: StagedTable[]; readonly points: number } | { readonly id: number; readonly error: string };

/**
 * Starts the worker module. Node 20 ignores ESM loader flags in a worker's execArgv, so a
 * TypeScript worker registers tsx itself before importing the module.
 */
function spawnWorker(moduleUrl: URL): Worker {
  if (!moduleUrl.pathname.endsWith('.ts')) return new Worker(moduleUrl);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot =
    `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}); })` +
    `.catch((error) => { process.stderr.write('flush encoder failed to start: ' + String(error && error.stack || error) + '\\n'); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}

export class FlushEncoder implements Service {
  readonly name = 'flush-encoder';
  private worker: Worker | null = null;
  private nextId = 0;
  private pending: { id: number; resolve: (r: EncodeResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(private readonly stagingDir: string) {}

  async start(): Promise<void> {
    if (this.worker) return;
    const worker = spawnWorker(new URL('./flush-encoder-worker.ts', import.meta.url));
    worker.unref();
    worker.on('message', (response: EncodeResponse) => {
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
    return response;
  }
}
