// Clock-skew nemesis through libfaketime: a node started with clockArgv() reads its wall-clock
// offset from its own timestamp file, so skew changes at run time without a restart. The
// monotonic clock stays real (timers, timeouts), as on a machine whose NTP steps the clock.
import { existsSync, writeFileSync } from 'node:fs';
import { nodeOf, outcome, skipped, type InstalledFault, type NemesisContext } from './nemesis.js';

const CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/faketime/libfaketime.so.1',
  '/usr/local/lib/faketime/libfaketime.so.1',
];

/** Seconds libfaketime caches the file's offset. */
export const CLOCK_CACHE_SECONDS = 1;
/** A change takes effect within this: the cache expires on whole-second boundaries (measured). */
export const CLOCK_EFFECTIVE_MS = (CLOCK_CACHE_SECONDS + 1) * 1000;

export function libfaketimePath(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** The libfaketime offset syntax: "+30s", "-7200s", "+0". */
export function offsetText(offsetSeconds: number): string {
  if (!Number.isInteger(offsetSeconds)) throw new Error(`clock offsets are whole seconds, got ${offsetSeconds}`);
  return offsetSeconds === 0 ? '+0' : `${offsetSeconds > 0 ? '+' : ''}${offsetSeconds}s`;
}

export function writeClockOffset(file: string, offsetSeconds: number): void {
  writeFileSync(file, `${offsetText(offsetSeconds)}\n`);
}

/**
 * argv prefix (`env VAR=… `) that runs a program under libfaketime with the offset read from
 * `file` (created at +0; a restart keeps the current skew); null when libfaketime is not installed.
 */
export function clockArgv(file: string): string[] | null {
  const lib = libfaketimePath();
  if (lib === null) return null;
  if (!existsSync(file)) writeClockOffset(file, 0);
  return [
    'env', `LD_PRELOAD=${lib}`, `FAKETIME_TIMESTAMP_FILE=${file}`, 'FAKETIME_DONT_FAKE_MONOTONIC=1',
    `FAKETIME_CACHE_DURATION=${CLOCK_CACHE_SECONDS}`,
  ];
}

export function installClockSkew(ctx: NemesisContext, id: string, offsetSeconds: number): Promise<InstalledFault> {
  const node = nodeOf(ctx, id);
  const file = node.clockFile;
  if (file === null) return Promise.resolve(skipped(`${id} was started without libfaketime`));
  const heal = (): Promise<ReturnType<typeof outcome>> => {
    writeClockOffset(file, 0);
    return Promise.resolve(outcome('installed', `${id} clock back to +0 (effective within ${CLOCK_EFFECTIVE_MS} ms)`));
  };
  try {
    writeClockOffset(file, offsetSeconds);
  } catch (error) {
    return Promise.resolve({ outcome: outcome('indeterminate', `cannot write ${file}: ${(error as Error).message}`), heal });
  }
  return Promise.resolve({ outcome: outcome('installed', `${id} clock ${offsetText(offsetSeconds)} (effective within ${CLOCK_EFFECTIVE_MS} ms)`), heal });
}
