// InfluxQL 1.6's technical-analysis transformations (EMA, DEMA, TEMA, RSI, TRIX, KER, KAMA, CMO):
// the indicators of InfluxDB's vendored gota package and its hold-period rule. Pure, numbers only.

export const INDICATOR_NAMES = [
  'exponential_moving_average',
  'double_exponential_moving_average',
  'triple_exponential_moving_average',
  'relative_strength_index',
  'triple_exponential_derivative',
  'kaufmans_efficiency_ratio',
  'kaufmans_adaptive_moving_average',
  'chande_momentum_oscillator',
] as const;

export type IndicatorName = (typeof INDICATOR_NAMES)[number];

/** 'none' exists only for chande_momentum_oscillator (its unsmoothed form). */
export type Warmup = 'exponential' | 'simple' | 'none';

export interface IndicatorParams {
  readonly name: IndicatorName;
  readonly period: number;
  /** Points consumed before the first output; -1 means the indicator's own warm-up count. */
  readonly hold: number;
  readonly warmup: Warmup;
}

interface Indicator {
  add(v: number): number;
  readonly warmCount: number;
}

/** Exponential moving average; during warm-up its weight is scaled (or a plain mean is used). */
class Ema implements Indicator {
  alpha: number;
  private count = 0;
  last = 0;

  constructor(
    private readonly period: number,
    readonly warmup: Warmup,
  ) {
    this.alpha = 2 / (period + 1);
  }

  get warmCount(): number {
    return this.period - 1;
  }

  get warmed(): boolean {
    return this.count === this.period;
  }

  add(v: number): number {
    let avg: number;
    if (this.count === 0) avg = v;
    else if (this.warmed) avg = (v - this.last) * this.alpha + this.last;
    else if (this.warmup === 'simple') avg = (this.last * this.count + v) / (this.count + 1);
    else avg = (v - this.last) * (2 / (this.count + 2)) + this.last;
    this.last = avg;
    if (this.count < this.period) this.count++;
    return avg;
  }
}

/** Feeds `v` through a chain of EMAs; a stage passes its input on until the previous one warms up (simple warm-up). */
function chain(stages: readonly Ema[], v: number): number[] {
  const out: number[] = [];
  let current = v;
  stages.forEach((ema, i) => {
    const previous = stages[i - 1];
    if (previous === undefined || previous.warmed || previous.warmup !== 'simple') current = ema.add(current);
    out.push(current);
  });
  return out;
}

class MultipleEma implements Indicator {
  private readonly stages: Ema[];

  constructor(
    private readonly depth: 2 | 3,
    period: number,
    warmup: Warmup,
  ) {
    this.stages = Array.from({ length: depth }, () => new Ema(period, warmup));
  }

  get warmCount(): number {
    const first = this.stages[0] as Ema;
    return first.warmup === 'simple' ? first.warmCount * this.depth : first.warmCount;
  }

  add(v: number): number {
    const [a1, a2, a3] = chain(this.stages, v) as [number, number, number];
    return this.depth === 2 ? 2 * a1 - a2 : 3 * a1 - 3 * a2 + a3;
  }
}

/** TRIX: percent change of a triple EMA; the first rate divides by zero (Infinity, dropped). */
class Trix implements Indicator {
  private readonly stages: Ema[];
  private last = 0;

  constructor(period: number, warmup: Warmup) {
    this.stages = [new Ema(period, warmup), new Ema(period, warmup), new Ema(period, warmup)];
  }

  get warmCount(): number {
    const first = this.stages[0] as Ema;
    return first.warmup === 'simple' ? first.warmCount * 3 + 1 : first.warmCount + 1;
  }

  add(v: number): number {
    const cur = chain(this.stages, v)[2] as number;
    const rate = (cur / this.last - 1) * 100;
    this.last = cur;
    return rate;
  }
}

/** Wilder-smoothed up and down moves (alpha 1/period after warm-up); RSI and smoothed CMO share it. */
class UpDownEma {
  readonly up: Ema;
  readonly down: Ema;
  private lastV = 0;

  constructor(period: number, warmup: Warmup) {
    this.up = new Ema(period + 1, warmup);
    this.down = new Ema(period + 1, warmup);
    this.up.alpha = 1 / period;
    this.down.alpha = 1 / period;
  }

  add(v: number): void {
    this.up.add(v > this.lastV ? v - this.lastV : 0);
    this.down.add(v < this.lastV ? this.lastV - v : 0);
    this.lastV = v;
  }
}

/** An indicator of the smoothed upward and downward moves (RSI, CMO with warmup). */
class UpDownIndicator implements Indicator {
  private readonly moves: UpDownEma;

  constructor(
    period: number,
    warmup: Warmup,
    private readonly formula: (up: number, down: number) => number,
  ) {
    this.moves = new UpDownEma(period, warmup);
  }

  get warmCount(): number {
    return this.moves.up.warmCount;
  }

  add(v: number): number {
    this.moves.add(v);
    return this.formula(this.moves.up.last, this.moves.down.last);
  }
}

const rsiOf = (up: number, down: number): number => 100 - 100 / (1 + up / down);
const cmoOf = (up: number, down: number): number => 100 * ((up - down) / (up + down));

/** Chande momentum oscillator over a ring of period-1 differences (gota's CMO, warm-up 'none'). */
class Cmo implements Indicator {
  private readonly prices: number[];
  private readonly diffs: number[];
  private sumUp = 0;
  private sumDown = 0;
  private count = 0;
  private newest = 0;

  constructor(period: number) {
    this.prices = new Array<number>(period - 1).fill(0);
    this.diffs = new Array<number>(period - 1).fill(0);
  }

  get warmCount(): number {
    return this.prices.length;
  }

  add(v: number): number {
    const oldest = this.newest + 1 === this.prices.length ? 0 : this.newest + 1;
    let diff = 0;
    if (this.count !== 0) {
      diff = v - (this.prices[this.newest] as number);
      if (diff > 0) this.sumUp += diff;
      else if (diff < 0) this.sumDown -= diff;
    }
    const out = this.sumUp !== 0 || this.sumDown !== 0 ? 100 * ((this.sumUp - this.sumDown) / (this.sumUp + this.sumDown)) : 0;
    const dropped = this.diffs[oldest] as number;
    if (dropped > 0) this.sumUp -= dropped;
    else if (dropped < 0) this.sumDown += dropped;
    this.prices[oldest] = v;
    this.diffs[oldest] = diff;
    this.newest = oldest;
    if (this.count !== this.prices.length + 2) this.count++;
    return out;
  }
}

/** Kaufman's efficiency ratio: net move over the summed moves of a ring of `period` points. */
class Ker implements Indicator {
  readonly prices: number[];
  private readonly diffs: number[];
  private noise = 0;
  private count = 0;
  newest = 0;

  constructor(period: number) {
    this.prices = new Array<number>(period).fill(0);
    this.diffs = new Array<number>(period).fill(0);
  }

  get warmCount(): number {
    return this.prices.length;
  }

  get warmed(): boolean {
    return this.count === this.prices.length + 1;
  }

  add(v: number): number {
    const oldest = this.newest + 1 >= this.prices.length ? 0 : this.newest + 1;
    const signal = Math.abs(v - (this.prices[oldest] as number));
    const diff = Math.abs(v - (this.prices[this.newest] as number));
    this.noise -= this.diffs[oldest] as number;
    this.noise += diff;
    this.newest = oldest;
    this.prices[oldest] = v;
    this.diffs[oldest] = diff;
    if (!this.warmed) this.count++;
    return signal === 0 || this.noise === 0 ? 0 : signal / this.noise;
  }
}

// Go folds the constant 2/3 - 2/31 exactly before rounding: 56/93 is that single rounding.
const KAMA_SPREAD = 56 / 93;
const KAMA_SLOW = 2 / 31;

class Kama implements Indicator {
  private readonly ker: Ker;
  private last = 0;

  constructor(period: number) {
    this.ker = new Ker(period);
  }

  get warmCount(): number {
    return this.ker.warmCount;
  }

  add(v: number): number {
    // Until warmed, restart from the latest price in the ring (gota's choice).
    if (!this.ker.warmed) this.last = this.ker.prices[this.ker.newest] as number;
    const er = this.ker.add(v);
    const base = er * KAMA_SPREAD + KAMA_SLOW;
    const sc = base * base;
    this.last = this.last + sc * (v - this.last);
    return this.last;
  }
}

function createIndicator(params: IndicatorParams): Indicator {
  const { period, warmup } = params;
  switch (params.name) {
    case 'exponential_moving_average':
      return new Ema(period, warmup);
    case 'double_exponential_moving_average':
      return new MultipleEma(2, period, warmup);
    case 'triple_exponential_moving_average':
      return new MultipleEma(3, period, warmup);
    case 'relative_strength_index':
      return new UpDownIndicator(period, warmup, rsiOf);
    case 'triple_exponential_derivative':
      return new Trix(period, warmup);
    case 'kaufmans_efficiency_ratio':
      return new Ker(period);
    case 'kaufmans_adaptive_moving_average':
      return new Kama(period);
    case 'chande_momentum_oscillator':
      return warmup === 'none' ? new Cmo(period) : new UpDownIndicator(period, warmup, cmoOf);
  }
}

/** These drop infinite outputs (a division by a zero start) instead of emitting them. */
const DROPS_INFINITE: ReadonlySet<IndicatorName> = new Set(['triple_exponential_derivative', 'kaufmans_efficiency_ratio', 'kaufmans_adaptive_moving_average']);

/**
 * Runs an indicator over one series' values in query order. Returns one entry per value:
 * undefined while the hold period lasts (or for a dropped infinity), else the output (NaN possible).
 */
export function indicatorSeries(params: IndicatorParams, values: readonly number[]): Array<number | undefined> {
  if (params.period < 1) throw new RangeError(`${params.name} period must be at least 1, got ${params.period}`);
  const indicator = createIndicator(params);
  const hold = params.hold === -1 ? indicator.warmCount : params.hold;
  const dropsInfinite = DROPS_INFINITE.has(params.name);
  return values.map((v, i) => {
    const out = indicator.add(v);
    if (i + 1 <= hold) return undefined;
    if (dropsInfinite && (out === Infinity || out === -Infinity)) return undefined;
    return out;
  });
}
