// UTC offsets of IANA time zones (tz() clause) via Intl, cached per zone.
// Pure lookups; no clocks involved.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    if (formatters.size > 256) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at instant `ns`, in seconds (e.g. -21600 for CST). */
export function zoneOffsetSeconds(zone: string, ns: bigint): number {
  if (zone === '' || zone === 'UTC') return 0;
  let ms = Number(ns / 1_000_000n);
  if (ms < -8.64e15) ms = -8.64e15;
  if (ms > 8.64e15) ms = 8.64e15;
  const part = formatter(zone)
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(part ?? '');
  if (match === null) return 0;
  const seconds = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? '0');
  return match[1] === '-' ? -seconds : seconds;
}
