// The flush encoder's cost per point, its payload in fresh memory each round (main before issue 14)
// vs in one buffer kept between rounds (store/insert-buffer.ts), in the same run, interleaved.
// TSBS cpu rows (10 tags, 10 float fields). Knobs: POINTS (per round, 200,000), ROUNDS (per
// variant, 12), HOSTS (100). Prints the median and worst round: wall and CPU µs per point, minor
// page faults per point. Then the same through the flush encoder thread itself (WAL decode,
// grouping, encoding, the staged file's write): one thread whose buffer bound is too small to
// keep any, one with the server's (32 MiB rounds), wall µs per point of a round.
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLineProtocol } from '../src/core/lineprotocol/index.js';
import { FlushEncoder } from '../src/core/flush/flush-encoder.js';
import { WalEntryCodec } from '../src/core/wal/entry-codec.js';
import { entryKey } from '../src/core/wal/wal-keys.js';
import type { Point } from '../src/core/model/point.js';
import { encodeInsert } from '../src/core/store/insert-encoder.js';
import { InsertBuffer } from '../src/core/store/insert-buffer.js';
import { pointFieldTypes } from '../src/core/flush/table-batches.js';
import { tsbsCpuBatches } from './tsbs-data.js';

const POINTS = Number(process.env.POINTS ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 12);
const HOSTS = Number(process.env.HOSTS ?? 100);

interface Round {
  readonly points: Point[];
  readonly versions: bigint[];
  readonly entryEnds: number[];
}

/** Two rounds of different data (consecutive spans of the series), so no round repeats the last. */
function rounds(): [Round, Round] {
  const made: Round[] = [];
  for (const seed of [7, 8]) {
    const round: Round = { points: [], versions: [], entryEnds: [] };
    let version = 1n;
    for (const lines of tsbsCpuBatches({ hosts: HOSTS, points: POINTS, seed }, 5000)) {
      const { points } = parseLineProtocol(lines.join('\n'), { precision: 'ms', nowNs: 0n });
      for (const point of points) {
        round.points.push(point);
        round.versions.push(version);
      }
      round.entryEnds.push(round.points.length);
      version++;
    }
    made.push(round);
  }
  return made as [Round, Round];
}

interface Sample {
  readonly wallUs: number;
  readonly cpuUs: number;
  readonly faults: number;
}

function measure(round: Round, into: InsertBuffer | undefined): Sample {
  const usage = process.resourceUsage();
  const started = performance.now();
  const encoded = encodeInsert(round, pointFieldTypes(round.points), into);
  const wallUs = (performance.now() - started) * 1000;
  const after = process.resourceUsage();
  if (encoded.rows !== round.points.length) throw new Error(`${encoded.rows} rows of ${round.points.length} points`);
  return { wallUs, cpuUs: after.userCPUTime + after.systemCPUTime - usage.userCPUTime - usage.systemCPUTime, faults: after.minorPageFault - usage.minorPageFault };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const worst = (values: number[]): number => Math.max(...values);

/** A round as the flush hands it to its thread: sealed WAL values of 5000 points each. */
function sealed(round: Round): Array<{ seq: number; value: Buffer }> {
  const codec = new WalEntryCodec();
  const values: Array<{ seq: number; value: Buffer }> = [];
  let start = 0;
  for (const end of round.entryEnds) {
    const seq = values.length + 1;
    const value = codec.encode({ db: 'db', rp: 'autogen', origin: 'node-1', catalogIndex: 1, points: round.points.slice(start, end) });
    codec.seal(entryKey(seq), value, seq, round.versions[start]!);
    values.push({ seq, value });
    start = end;
  }
  return values;
}

async function throughThread(data: [Round, Round]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-flush-encode-'));
  const threads = new Map([
    ['fresh', new FlushEncoder(dir, { maxBytesPerRound: 1 })],
    ['kept', new FlushEncoder(dir, { maxBytesPerRound: 32 << 20 })],
  ]);
  const values = data.map(sealed);
  const wall = new Map<string, number[]>([...threads.keys()].map((name) => [name, []]));
  try {
    for (let run = -2; run < ROUNDS; run++) {
      for (const [name, thread] of threads) {
        const started = performance.now();
        const { tables, points } = await thread.encode(values[(run + 2) % 2]!);
        const us = (performance.now() - started) * 1000;
        for (const table of tables) await unlink(table.path);
        if (run >= 0) wall.get(name)!.push(us / points);
      }
    }
  } finally {
    for (const thread of threads.values()) await thread.stop();
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write('\nThrough the flush encoder thread (decode, group, encode, write the staged file):\n\n| payload buffer | wall µs/pt median (worst) | buffer kept after |\n|---|---|---|\n');
  for (const [name, list] of wall) process.stdout.write(`| ${name} | ${median(list).toFixed(2)} (${worst(list).toFixed(2)}) | ${(threads.get(name)!.heap().insertBufferBytes / 1048576).toFixed(0)} MiB |\n`);
}

async function main(): Promise<void> {
  const data = rounds();
  const kept = new InsertBuffer(1 << 30);
  const samples = new Map<string, Sample[]>([
    ['fresh', []],
    ['kept', []],
  ]);
  // Two warm-up rounds each (JIT, the kept buffer's first allocation) are not counted.
  for (let run = -2; run < ROUNDS; run++) {
    const round = data[(run + 2) % 2]!;
    const fresh = measure(round, undefined);
    const reused = measure(round, kept);
    if (run < 0) continue;
    samples.get('fresh')!.push(fresh);
    samples.get('kept')!.push(reused);
  }
  process.stdout.write(`Flush encode: ${POINTS} TSBS cpu points per round (${HOSTS} hosts, 10 float fields), ${ROUNDS} rounds per variant, interleaved.\n\n`);
  process.stdout.write('| payload buffer | wall µs/pt median (worst) | CPU µs/pt median (worst) | minor faults/pt median |\n|---|---|---|---|\n');
  for (const [name, list] of samples) {
    const wall = list.map((s) => s.wallUs / POINTS);
    const cpu = list.map((s) => s.cpuUs / POINTS);
    const faults = list.map((s) => s.faults / POINTS);
    process.stdout.write(`| ${name} | ${median(wall).toFixed(2)} (${worst(wall).toFixed(2)}) | ${median(cpu).toFixed(2)} (${worst(cpu).toFixed(2)}) | ${median(faults).toFixed(3)} |\n`);
  }
  await throughThread(data);
}

await main();
