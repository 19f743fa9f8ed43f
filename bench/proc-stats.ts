// What a benchmarked server process uses, read from /proc (Linux): resident memory and CPU time of
// all its threads. CPU time is the figure a shared, noisy machine disturbs least.
import { readFile } from 'node:fs/promises';

/** A line of /proc/PID/status in bytes: VmRSS (resident set), RssFile (file-backed pages, e.g. a mapped library), or NaN. */
export async function statusBytes(pid: number, field: 'VmRSS' | 'RssFile'): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

/** CPU time a process (all its threads) has used, in µs (utime + stime of /proc/PID/stat, at 100 ticks/s); NaN if unreadable. */
export async function cpuMicros(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}
