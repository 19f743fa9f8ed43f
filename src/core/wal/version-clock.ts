// The hybrid logical clock that versions writes: wall-clock milliseconds in the high bits, a
// counter in the low 20, never repeating or going backwards. Pure: the wall clock is injected.

/** Versions per millisecond before the clock runs ahead of the wall clock. */
const COUNTER_BITS = 20n;
const MAX_VERSION = (1n << 64n) - 1n;

export class VersionClock {
  private last: bigint;

  constructor(
    private readonly nowMs: () => number,
    floor = 0n,
  ) {
    this.last = floor;
  }

  /** A version above every version given out or observed, close to now. */
  next(): bigint {
    const wall = BigInt(Math.max(0, Math.floor(this.nowMs()))) << COUNTER_BITS;
    this.last = wall > this.last ? wall : this.last + 1n;
    if (this.last > MAX_VERSION) throw new RangeError('version clock overflow');
    return this.last;
  }

  /** Raises the clock to at least `version`, so this node's next write orders after it. */
  observe(version: bigint): void {
    if (version > this.last && version <= MAX_VERSION) this.last = version;
  }

  current(): bigint {
    return this.last;
  }
}
