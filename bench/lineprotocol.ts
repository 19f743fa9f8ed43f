// Line protocol parser throughput: 1M points (100 hosts, 10 tags, 10 float fields) in 5000-line
// batches. Env knobs: LP_POINTS, LP_BATCH, LP_ROUNDS. Prints median and p99 per batch, points/s, MB/s.
import { parseLineProtocol } from '../src/core/lineprotocol/index.js';

const totalPoints = Number(process.env['LP_POINTS'] ?? 1_000_000);
const batchLines = Number(process.env['LP_BATCH'] ?? 5000);
const rounds = Number(process.env['LP_ROUNDS'] ?? 5);
const hosts = 100;

function makeBatches(): Buffer[] {
  const batches: Buffer[] = [];
  let t = 1_700_000_000_000_000_000n;
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let made = 0; made < totalPoints; made += batchLines) {
    const lines: string[] = [];
    for (let k = 0; k < batchLines && made + k < totalPoints; k++) {
      const host = (made + k) % hosts;
      let line = `cpu,host=host-${host},region=region-${host % 4},az=az-${host % 3},rack=r${host % 10},os=linux,arch=x86_64,team=team-${host % 5},env=prod,svc=svc-${host % 7},dc=dc${host % 2}`;
      for (let f = 0; f < 10; f++) line += `${f === 0 ? ' ' : ','}field${f}=${(rnd() * 1000).toFixed(3)}`;
      t += 1_000_000n;
      lines.push(`${line} ${t}`);
    }
    batches.push(Buffer.from(lines.join('\n')));
  }
  return batches;
}

/**
 * Baseline: a naive split()-based parser (no escapes, no validation) doing the same output work.
 * Only the ratio to it is comparable across hosts; absolute figures vary with host load.
 */
function naiveParse(body: Buffer): number {
  let count = 0;
  for (const line of body.toString('latin1').split('\n')) {
    const [key = '', fieldText = '', time = ''] = line.split(' ');
    const [measurement = '', ...pairs] = key.split(',');
    const tags = pairs.flatMap((pair) => pair.split('='));
    const fieldKeys: string[] = [];
    const fieldValues: number[] = [];
    for (const field of fieldText.split(',')) {
      const eq = field.indexOf('=');
      fieldKeys.push(field.slice(0, eq));
      fieldValues.push(Number(field.slice(eq + 1)));
    }
    if (measurement.length > 0 && tags.length > 0 && BigInt(time) > 0n) count++;
  }
  return count;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const batches = makeBatches();
const bytes = batches.reduce((sum, b) => sum + b.length, 0);
const nowNs = BigInt(Date.now()) * 1_000_000n;
let checksum = 0;
const roundMs: number[] = [];
const roundCpuMs: number[] = [];
const batchMs: number[] = [];
for (let r = 0; r < rounds + 1; r++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (const batch of batches) {
    const b0 = performance.now();
    const { points, errors } = parseLineProtocol(batch, { precision: 'ns', nowNs });
    if (errors.length > 0) throw new Error(`bench body has errors: ${errors[0]?.reason}`);
    checksum += points.length;
    if (r > 0) batchMs.push(performance.now() - b0);
  }
  if (r > 0) {
    // round 0 warms up the JIT; CPU time (all threads, incl. GC) stays meaningful on a loaded host
    roundMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    roundCpuMs.push((cpu.user + cpu.system) / 1000);
  }
}
const naiveCpuMs: number[] = [];
for (let r = 0; r < rounds + 1; r++) {
  const cpuStart = process.cpuUsage();
  for (const batch of batches) checksum += naiveParse(batch);
  const cpu = process.cpuUsage(cpuStart);
  if (r > 0) naiveCpuMs.push((cpu.user + cpu.system) / 1000);
}
naiveCpuMs.sort((a, b) => a - b);
const naiveCpuS = percentile(naiveCpuMs, 0.5) / 1000;
roundMs.sort((a, b) => a - b);
roundCpuMs.sort((a, b) => a - b);
const medianCpuS = percentile(roundCpuMs, 0.5) / 1000;
batchMs.sort((a, b) => a - b);
const medianRoundS = percentile(roundMs, 0.5) / 1000;
process.stdout.write(
  `line protocol parse: ${totalPoints} points, ${(bytes / 1e6).toFixed(1)} MB, batches of ${batchLines} lines, ${rounds} rounds\n` +
    `  median round ${(medianRoundS * 1000).toFixed(0)} ms → ${(totalPoints / medianRoundS / 1e6).toFixed(2)} M points/s, ` +
    `${(bytes / medianRoundS / 1e6).toFixed(0)} MB/s\n` +
    `  median CPU time per round ${(medianCpuS * 1000).toFixed(0)} ms → ${(totalPoints / medianCpuS / 1e6).toFixed(2)} M points/CPU-s\n` +
    `  baseline split() parser: ${(totalPoints / naiveCpuS / 1e6).toFixed(2)} M points/CPU-s ` +
    `(ours takes ${(medianCpuS / naiveCpuS).toFixed(2)}× its CPU time)\n` +
    `  per batch: median ${percentile(batchMs, 0.5).toFixed(2)} ms, p99 ${percentile(batchMs, 0.99).toFixed(2)} ms ` +
    `(checksum ${checksum})\n`,
);
