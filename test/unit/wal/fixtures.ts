// Test fixtures for the WAL tests: points, entries and temp directories that clean up after themselves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Point } from '../../../src/core/model/point.js';
import type { LocalWrite, WalEntry } from '../../../src/core/wal/wal-port.js';

export function makePoint(i: number, timeNs: bigint | null = 1_700_000_000_000_000_000n + BigInt(i)): Point {
  return {
    measurement: 'cpu',
    tags: ['host', `h${i % 7}`, 'region', 'eu'],
    fieldKeys: ['usage', 'count', 'ok', 'note'],
    fieldTypes: ['float', 'integer', 'boolean', 'string'],
    fieldValues: [i + 0.5, String(i * 3), i % 2 === 0, `n${i}`],
    timeNs,
  };
}

/** A write of this node (the WAL gives it origin, originSeq and version). */
export function makeWrite(i: number, options: { points?: number } = {}): LocalWrite {
  const points: Point[] = [];
  for (let p = 0; p < (options.points ?? 3); p++) points.push(makePoint(i * 1000 + p));
  return { db: 'db0', rp: 'autogen', points, catalogIndex: i };
}

/** An entry of another origin, as replication delivers it. */
export function makeEntry(i: number, options: { points?: number; origin?: string; originSeq?: number; version?: bigint } = {}): WalEntry {
  return {
    ...makeWrite(i, options),
    origin: options.origin ?? 'node-a~00000001',
    originSeq: options.originSeq ?? i,
    version: options.version ?? BigInt(i) * 1000n,
  };
}

export async function tempDir(prefix = 'hb-wal-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
