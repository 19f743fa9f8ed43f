// TSBS "devops" cpu data (github.com/timescale/tsbs, use case `cpu-only`) as InfluxDB line protocol, generated lazily.
// Deterministic for a seed; never holds more than one batch of lines in memory.
import { seededRandom } from '../test/support/dataset.js';

/** TSBS's default start, `--timestamp-start=2016-01-01T00:00:00Z`. */
export const tsbsStartRfc3339 = '2016-01-01T00:00:00Z';
export const tsbsStartMs = Date.parse(tsbsStartRfc3339);
export const tsbsIntervalMs = 10_000;

/** The ten cpu fields, in TSBS order (devops.GetCPUMetricsSlice takes a prefix of this list). */
export const cpuFields = [
  'usage_user',
  'usage_system',
  'usage_idle',
  'usage_nice',
  'usage_iowait',
  'usage_irq',
  'usage_softirq',
  'usage_steal',
  'usage_guest',
  'usage_guest_nice',
] as const;

// TSBS devops/host.go: regions with their datacenters, and the other tag choices.
const regions: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['us-east-1', ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1e']],
  ['us-west-1', ['us-west-1a', 'us-west-1b']],
  ['us-west-2', ['us-west-2a', 'us-west-2b', 'us-west-2c']],
  ['eu-west-1', ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']],
  ['eu-central-1', ['eu-central-1a', 'eu-central-1b']],
  ['ap-southeast-1', ['ap-southeast-1a', 'ap-southeast-1b']],
  ['ap-southeast-2', ['ap-southeast-2a', 'ap-southeast-2b']],
  ['ap-northeast-1', ['ap-northeast-1a', 'ap-northeast-1c']],
  ['sa-east-1', ['sa-east-1a', 'sa-east-1b', 'sa-east-1c']],
];
const oses = ['Ubuntu16.10', 'Ubuntu16.04LTS', 'Ubuntu15.10'];
const arches = ['x64', 'x86'];
const teams = ['SF', 'NYC', 'LON', 'CHI'];
const environments = ['production', 'staging', 'test'];

export interface TsbsOptions {
  /** Number of hosts (TSBS --scale). */
  readonly hosts: number;
  /** Total points; each timestamp has one point per host, so ceil(points / hosts) timestamps. */
  readonly points: number;
  readonly seed: number;
}

export interface TsbsShape {
  readonly timestamps: number;
  readonly points: number;
  readonly startMs: number;
  /** Exclusive end: one interval past the last timestamp. */
  readonly endMs: number;
}

export function tsbsShape(opts: TsbsOptions): TsbsShape {
  const timestamps = Math.ceil(opts.points / opts.hosts);
  return {
    timestamps,
    points: Math.min(opts.points, timestamps * opts.hosts),
    startMs: tsbsStartMs,
    endMs: tsbsStartMs + timestamps * tsbsIntervalMs,
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/** Host tag sets, `hostname` first like TSBS (the influx serializer writes tags in generation order). */
export function tsbsHostTags(opts: TsbsOptions): string[] {
  const rand = seededRandom(opts.seed);
  const out: string[] = [];
  for (let i = 0; i < opts.hosts; i++) {
    const [region, datacenters] = pick(rand, regions);
    out.push(
      `hostname=host_${i},region=${region},datacenter=${pick(rand, datacenters)},rack=${Math.floor(rand() * 100)},` +
        `os=${pick(rand, oses)},arch=${pick(rand, arches)},team=${pick(rand, teams)},service=${Math.floor(rand() * 20)},` +
        `service_version=${Math.floor(rand() * 2)},service_environment=${pick(rand, environments)}`,
    );
  }
  return out;
}

/** Yields batches of line protocol (ms precision timestamps), host-major within each timestamp like TSBS. */
export function* tsbsCpuBatches(opts: TsbsOptions, batchLines: number): Generator<string[]> {
  const shape = tsbsShape(opts);
  const tags = tsbsHostTags(opts);
  const rand = seededRandom(opts.seed + 1);
  // Clamped random walks in [0, 100], one per host and field, as TSBS's ClampedRandomWalkDistribution.
  const state = new Float64Array(opts.hosts * cpuFields.length);
  for (let i = 0; i < state.length; i++) state[i] = rand() * 100;
  let batch: string[] = [];
  let emitted = 0;
  for (let t = 0; t < shape.timestamps && emitted < shape.points; t++) {
    const tsMs = shape.startMs + t * tsbsIntervalMs;
    for (let h = 0; h < opts.hosts && emitted < shape.points; h++) {
      let fields = '';
      for (let f = 0; f < cpuFields.length; f++) {
        const idx = h * cpuFields.length + f;
        const next = Math.min(100, Math.max(0, (state[idx] ?? 0) + (rand() - 0.5) * 2));
        state[idx] = next;
        // Round to 2 decimals: short lines, and sums stay well inside float tolerance on both servers.
        fields += `${f === 0 ? '' : ','}${cpuFields[f]}=${Math.round(next * 100) / 100}`;
      }
      batch.push(`cpu,${tags[h]} ${fields} ${tsMs}`);
      emitted++;
      if (batch.length >= batchLines) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
