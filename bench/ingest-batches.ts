// The ingest benchmarks' data: TSBS-like cpu lines (100 hosts with 10 tags, 10 float fields),
// generated once into a temp file and read back a batch at a time, so every server gets the same bytes.
import { mkdtemp, open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOSTS = 100;
const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];
const START_NS = 1_700_000_000_000_000_000n;
const STEP_NS = 10_000_000_000n;

/** TSBS-like cpu lines: 100 hosts with 10 tags each, 10 float fields, 10 s apart per host; one batch at a time. */
function* generateBatches(points: number, batch: number): Generator<Buffer> {
  const hostTags: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    hostTags.push(
      `hostname=host_${h},region=region_${h % 5},datacenter=dc_${h % 10},rack=${h % 20},os=Ubuntu16.04LTS,arch=x64,team=team_${h % 4},service=${h % 19},service_version=${h % 2},service_environment=${h % 3 === 0 ? 'production' : 'staging'}`,
    );
  }
  let seed = 42;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  let lines: string[] = [];
  for (let i = 0; i < points; i++) {
    const host = i % HOSTS;
    const t = START_NS + BigInt(Math.floor(i / HOSTS)) * STEP_NS;
    let fields = '';
    for (let f = 0; f < FIELDS.length; f++) fields += (f ? ',' : '') + FIELDS[f] + '=' + (rand() * 100).toFixed(2);
    lines.push(`cpu,${hostTags[host]} ${fields} ${t}`);
    if (lines.length === batch) {
      yield Buffer.from(lines.join('\n'));
      lines = [];
    }
  }
  if (lines.length) yield Buffer.from(lines.join('\n'));
}

/**
 * The batches, generated once into a temp file before any server is loaded (10M points are ~3 GB,
 * more than the bench should hold) and read back one at a time while writing: both servers get
 * the same bytes and generating costs no CPU during a measurement.
 */
export interface BatchFile {
  readonly path: string;
  readonly dir: string;
  readonly spans: ReadonlyArray<readonly [offset: number, length: number]>;
}

export async function writeBatchFile(points: number, batch: number): Promise<BatchFile> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-ingest-'));
  const path = join(dir, 'batches.lp');
  const file = await open(path, 'w');
  const spans: Array<[number, number]> = [];
  let offset = 0;
  try {
    for (const bytes of generateBatches(points, batch)) {
      await file.write(bytes, 0, bytes.length, offset);
      spans.push([offset, bytes.length]);
      offset += bytes.length;
    }
  } finally {
    await file.close();
  }
  return { path, dir, spans };
}

export async function readBatch(file: FileHandle, span: readonly [number, number]): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(span[1]);
  const { bytesRead } = await file.read(buffer, 0, span[1], span[0]);
  if (bytesRead !== span[1]) throw new Error(`short read of a batch: ${bytesRead} of ${span[1]} bytes`);
  return buffer;
}

