// WAL append throughput: 5000-point entries (10 tags, 10 float fields) at several concurrencies,
// sync on and off, LevelWal against a raw classic-level put of pre-encoded bytes (the floor) in
// the same run; plus the msgpackr records-vs-maps codec comparison.
// Knobs: ENTRIES (per run, default 120), POINTS (5000), CONCURRENCY ("1,2,4"), SYNC ("on,off"),
// DELAY_MS (groupCommitMaxDelayMs, default the shipped default).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Packr, Unpackr } from 'msgpackr';
import type { Point } from '../src/core/model/point.js';
import { crc32IsNative } from '../src/core/wal/crc32.js';
import { WalEntryCodec } from '../src/core/wal/entry-codec.js';
import { LevelWal } from '../src/core/wal/level-wal.js';
import { entryKey } from '../src/core/wal/wal-keys.js';
import { defaultWalOptions, type LocalWrite } from '../src/core/wal/wal-port.js';

const ENTRIES = Number(process.env.ENTRIES ?? 120);
const POINTS = Number(process.env.POINTS ?? 5000);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,2,4').split(',').map(Number);
const SYNC = (process.env.SYNC ?? 'on,off').split(',').map((s) => s.trim() === 'on');
const DELAY_MS = Number(process.env.DELAY_MS ?? defaultWalOptions.groupCommitMaxDelayMs);
const FIELDS = ['usage_user', 'usage_system', 'usage_idle', 'usage_nice', 'usage_iowait', 'usage_irq', 'usage_softirq', 'usage_steal', 'usage_guest', 'usage_guest_nice'];
const FLOAT_TYPES = FIELDS.map(() => 'float' as const);

/** TSBS-like cpu points: 100 hosts with 10 tags each, 10 float fields. */
function makeEntry(n: number, salt: number): LocalWrite {
  let seed = 42 + salt;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const h = i % 100;
    points.push({
      measurement: 'cpu',
      tags: [
        'arch', 'x64', 'datacenter', `dc_${h % 10}`, 'hostname', `host_${h}`, 'os', 'Ubuntu16.04LTS', 'rack', String(h % 20),
        'region', `region_${h % 5}`, 'service', String(h % 19), 'service_environment', h % 3 === 0 ? 'production' : 'staging',
        'service_version', String(h % 2), 'team', `team_${h % 4}`,
      ],
      fieldKeys: FIELDS,
      fieldTypes: FLOAT_TYPES,
      fieldValues: FIELDS.map(() => Math.round(rand() * 10_000) / 100),
      timeNs: 1_700_000_000_000_000_000n + BigInt(Math.floor(i / 100)) * 10_000_000_000n,
    });
  }
  return { db: 'bench', rp: 'autogen', points, catalogIndex: salt };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface RunResult {
  readonly seconds: number;
  readonly bytes: number;
  readonly latenciesMs: number[];
  readonly batches: number;
}

async function runWal(dir: string, entries: readonly LocalWrite[], concurrency: number, sync: boolean): Promise<RunResult> {
  const wal = new LevelWal({ ...defaultWalOptions, dir, syncOnAppend: sync, groupCommitMaxDelayMs: DELAY_MS, maxPendingBytes: 8 * 1024 ** 3 });
  await wal.open();
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ENTRIES) {
      const entry = entries[next++ % entries.length]!;
      const t0 = performance.now();
      await wal.appendLocal(entry);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const { bytesWritten, batchesWritten } = wal.stats();
  await wal.close();
  return { seconds, bytes: bytesWritten, latenciesMs, batches: batchesWritten };
}

/** The floor: the same bytes, already encoded, one classic-level put each. */
async function runRawPut(dir: string, values: readonly Buffer[], concurrency: number, sync: boolean): Promise<RunResult> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  const latenciesMs: number[] = [];
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < ENTRIES) {
      const seq = ++next;
      const value = values[seq % values.length]!;
      const t0 = performance.now();
      await db.put(entryKey(seq), value, { sync });
      bytes += value.length;
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await db.close();
  return { seconds, bytes, latenciesMs, batches: ENTRIES };
}

function row(label: string, r: RunResult): string {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const cells = [
    label.padEnd(32),
    (ENTRIES / r.seconds).toFixed(1).padStart(9),
    Math.round((ENTRIES * POINTS) / r.seconds).toLocaleString('en-US').padStart(12),
    (r.bytes / 1024 ** 2 / r.seconds).toFixed(1).padStart(8),
    quantile(sorted, 0.5).toFixed(1).padStart(8),
    quantile(sorted, 0.99).toFixed(1).padStart(8),
    (ENTRIES / r.batches).toFixed(2).padStart(10),
  ];
  return cells.join(' ');
}

function codecComparison(entry: LocalWrite): void {
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const variants: Array<[string, boolean]> = [['records (shipped)', true], ['plain maps', false]];
  process.stdout.write('\ncodec, one 5000-point entry    bytes   enc ms med (min)   dec ms med (min)\n');
  for (const [name, useRecords] of variants) {
    const packr = new Packr({ useRecords, int64AsType: 'bigint' });
    const unpackr = new Unpackr({ useRecords, int64AsType: 'bigint' });
    const enc: number[] = [];
    const dec: number[] = [];
    let buf = packr.pack(entry);
    for (let i = 0; i < 60; i++) {
      let t = performance.now();
      buf = packr.pack(entry);
      enc.push(performance.now() - t);
      t = performance.now();
      unpackr.unpack(buf);
      dec.push(performance.now() - t);
    }
    const cell = (xs: number[]): string => `${median(xs.slice(10)).toFixed(2)} (${Math.min(...xs).toFixed(2)})`.padStart(18);
    process.stdout.write(`${name.padEnd(28)} ${String(buf.length).padStart(9)} ${cell(enc)} ${cell(dec)}\n`);
  }
}

async function main(): Promise<void> {
  const entries = Array.from({ length: 4 }, (_, i) => makeEntry(POINTS, i + 1));
  const codec = new WalEntryCodec();
  const values = entries.map((e, i) => {
    const value = codec.encode({ ...e, origin: 'bench~1' });
    codec.seal(entryKey(i + 1), value, i + 1, BigInt(i + 1));
    return value;
  });
  process.stdout.write(
    `WAL bench: ${ENTRIES} entries x ${POINTS} points per run, entry ${(values[0]!.length / 1024 ** 2).toFixed(2)} MiB encoded, ` +
      `groupCommitMaxDelayMs ${DELAY_MS}, crc32 ${crc32IsNative ? 'zlib native' : 'portable'}, node ${process.version}, ` +
      `${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`,
  );
  process.stdout.write(`${'run'.padEnd(32)} ${'entries/s'.padStart(9)} ${'points/s'.padStart(12)} ${'MB/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'entr/batch'.padStart(10)}\n`);
  // CPU floor: encode + CRC only, no I/O (the part of an append that runs on the event loop).
  const encodeStarted = performance.now();
  const encodeLatencies: number[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const t0 = performance.now();
    const value = codec.encode({ ...entries[i % entries.length]!, origin: 'bench~1' });
    codec.seal(entryKey(i + 1), value, i + 1, BigInt(i + 1));
    encodeLatencies.push(performance.now() - t0);
  }
  const encodeSeconds = (performance.now() - encodeStarted) / 1000;
  process.stdout.write(`${row('encode+crc only (no I/O)', { seconds: encodeSeconds, bytes: values[0]!.length * ENTRIES, latenciesMs: encodeLatencies, batches: ENTRIES })}\n`);
  for (const sync of SYNC) {
    for (const concurrency of CONCURRENCY) {
      for (const [kind, run] of [
        ['LevelWal', (dir: string) => runWal(dir, entries, concurrency, sync)],
        ['raw put (pre-encoded)', (dir: string) => runRawPut(dir, values, concurrency, sync)],
      ] as const) {
        const dir = await mkdtemp(join(tmpdir(), 'hb-wal-bench-'));
        try {
          const result = await run(dir);
          process.stdout.write(`${row(`${kind} sync=${sync ? 'on' : 'off'} c=${concurrency}`, result)}\n`);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
    }
  }
  codecComparison(entries[0]!);
}

await main();
