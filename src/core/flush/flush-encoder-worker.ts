// Worker-thread body of the flush encoder: decodes sealed WAL values, groups points per table,
// encodes RowBinary and stages each table's payload as a file. It never touches chDB or LevelDB.

import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { exposeGc } from '../memory-release.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WalEntryCodec } from '../wal/entry-codec.js';
import { entryKey } from '../wal/wal-keys.js';
import type { WalRecord } from '../wal/wal-port.js';
import { encodeTable, groupByTable } from './table-batches.js';
import { InsertBuffer } from '../store/insert-buffer.js';
import type { EncodeRequest, EncodeResponse, EncoderHeap, EncoderWorkerData, ReleaseRequest, ReleaseResponse, StagedTable } from './flush-encoder.js';

const codec = new WalEntryCodec();
let staged = 0;
// Each table's payload is written to its file before the next is encoded, so one buffer serves them all.
const insertBuffer = new InsertBuffer((workerData as EncoderWorkerData).maxKeptInsertBytes);

function heap(): EncoderHeap {
  const stats = getHeapStatistics();
  return { usedBytes: stats.used_heap_size, totalBytes: stats.total_heap_size, insertBufferBytes: insertBuffer.keptBytes };
}

async function handle(request: EncodeRequest): Promise<EncodeResponse> {
  const records: WalRecord[] = request.values.map(({ seq, value }) => ({ seq, entry: codec.decode(entryKey(seq), Buffer.from(value.buffer, value.byteOffset, value.byteLength), seq) }));
  const tables: StagedTable[] = [];
  let points = 0;
  for (const batch of groupByTable(records).values()) {
    const encoded = encodeTable(batch, insertBuffer);
    const path = join(request.stagingDir, `insert-${process.pid}-w${request.id}-${++staged}.rowbinary`);
    await writeFile(path, encoded.payload);
    points += batch.points.length;
    tables.push({
      db: batch.db,
      rp: batch.rp,
      measurement: batch.measurement,
      path,
      columns: encoded.columns,
      structure: encoded.structure,
      minTimeNs: encoded.minTimeNs,
      maxTimeNs: encoded.maxTimeNs,
      minCatalogIndex: batch.minCatalogIndex,
      tagKeys: encoded.tagKeys,
      fields: encoded.fields,
    });
  }
  return { id: request.id, tables, points, heap: heap() };
}

const collect = exposeGc();

parentPort?.on('message', (request: EncodeRequest | ReleaseRequest) => {
  if ('release' in request) {
    // Between bursts: the heap a burst grew (and the kept insert buffer) is handed back now, as V8
    // would only on the next allocations.
    insertBuffer.drop();
    collect();
    parentPort?.postMessage({ released: true, heap: heap() } satisfies ReleaseResponse);
    return;
  }
  handle(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
