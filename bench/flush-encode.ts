// The flush encoder's cost per point, its payload in fresh memory each round (main before issue 14)
// vs in one buffer kept between rounds (store/insert-buffer.ts), in the same run, interleaved.
// TSBS cpu rows (10 tags, 10 float fields). Knobs: POINTS (per round, 200,000), ROUNDS (per
// variant, 12), HOSTS (100). Prints the median and worst round: wall and CPU µs per point, minor
// page faults per point. Encoding only: the thread's file write after it is the same for both.
import { parseLineProtocol } from '../src/core/lineprotocol/index.js';
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

function main(): void {
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
}

main();
