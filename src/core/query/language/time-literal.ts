// Time text <-> nanoseconds: RFC3339 / "YYYY-MM-DD hh:mm:ss" literals in WHERE clauses and
// Go's time.RFC3339Nano output (trailing fractional zeros trimmed). Pure; no Date.now().

const MIN_NS = -9223372036854775806n;
const MAX_NS = 9223372036854775806n;

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return { y: m <= 2 ? y + 1 : y, m, d };
}

const timePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Parses an InfluxQL time string: RFC3339(Nano), "2006-01-02 15:04:05.999999999" or "2006-01-02"
 * (the latter two in UTC unless an offset is given). Returns undefined when it is not a time.
 */
export function parseTimeString(text: string): bigint | undefined {
  const match = timePattern.exec(text);
  if (match === null) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = match;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs ?? '0');
  const mi = Number(mis ?? '0');
  const s = Number(ss ?? '0');
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  // A 'T' form requires a zone (RFC3339); the space form forbids one.
  const hasT = text.length > 10 && text[10] === 'T';
  if (hasT && zone === undefined) return undefined;
  let offsetMin = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const days = daysFromCivil(y, mo, d);
  const seconds = BigInt(days) * 86400n + BigInt(h * 3600 + mi * 60 + s - offsetMin * 60);
  const fracNs = BigInt((frac ?? '').padEnd(9, '0') || '0');
  return seconds * 1_000_000_000n + fracNs;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Go's time.Time.Format(time.RFC3339Nano) in UTC: "2006-01-02T15:04:05.999999999Z". */
export function formatRfc3339Nano(ns: bigint, offsetSeconds = 0): string {
  const shifted = ns + BigInt(offsetSeconds) * 1_000_000_000n;
  let seconds = shifted / 1_000_000_000n;
  let nanos = shifted % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    seconds -= 1n;
  }
  let days = seconds / 86400n;
  let secOfDay = seconds % 86400n;
  if (secOfDay < 0n) {
    secOfDay += 86400n;
    days -= 1n;
  }
  const { y, m, d } = civilFromDays(Number(days));
  const sod = Number(secOfDay);
  let text = `${y < 0 ? '-' + pad(-y, 4) : pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor((sod % 3600) / 60), 2)}:${pad(sod % 60, 2)}`;
  if (nanos !== 0n) text += '.' + nanos.toString().padStart(9, '0').replace(/0+$/, '');
  if (offsetSeconds === 0) return text + 'Z';
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  return `${text}${sign}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor((abs % 3600) / 60), 2)}`;
}

export function clampTimeNs(ns: bigint): bigint {
  return ns < MIN_NS ? MIN_NS : ns > MAX_NS ? MAX_NS : ns;
}

export const MIN_TIME_NS = MIN_NS;
export const MAX_TIME_NS = MAX_NS;
