// Nelder-Mead simplex minimization as InfluxDB 1.6's query/neldermead package runs it (after
// M. F. Hutt), step for step. Pure; the objective may rewrite the vertex it is given, as Go's does.

export interface NelderMeadOptions {
  readonly maxIterations: number;
  readonly reflection: number;
  readonly contraction: number;
  readonly expansion: number;
}

export const DEFAULT_NELDER_MEAD: NelderMeadOptions = { maxIterations: 1000, reflection: 1, contraction: 0.5, expansion: 2 };

export interface Minimum {
  readonly value: number;
  readonly point: number[];
}

export type Objective = (x: number[]) => number;

function copyInto(target: number[], source: readonly number[]): void {
  for (let i = 0; i < source.length; i++) target[i] = source[i] as number;
}

function initialSimplex(start: readonly number[], scale: number): number[][] {
  const n = start.length;
  const pn = (scale * (Math.sqrt(n + 1) - 1 + n)) / (n * Math.sqrt(2));
  const qn = (scale * (Math.sqrt(n + 1) - 1)) / (n * Math.sqrt(2));
  const v: number[][] = [start.slice()];
  for (let i = 1; i <= n; i++) v.push(start.map((s, j) => (i - 1 === j ? pn + s : qn + s)));
  return v;
}

/** Indexes of the largest, second largest and smallest values (Go's tie rules). */
function rank(f: readonly number[]): { vg: number; vh: number; vs: number } {
  let vg = 0;
  let vs = 0;
  for (let i = 0; i < f.length; i++) {
    if ((f[i] as number) > (f[vg] as number)) vg = i;
    if ((f[i] as number) < (f[vs] as number)) vs = i;
  }
  let vh = vs;
  for (let i = 0; i < f.length; i++) if ((f[i] as number) > (f[vh] as number) && (f[i] as number) < (f[vg] as number)) vh = i;
  return { vg, vh, vs };
}

function converged(f: readonly number[], epsilon: number): boolean {
  const n = f.length - 1;
  let sum = 0;
  for (const x of f) sum += x;
  const mean = sum / (n + 1);
  let s = 0;
  for (const x of f) s += ((x - mean) * (x - mean)) / n;
  return Math.sqrt(s) < epsilon;
}

/** Minimizes `objective` from `start`; the simplex's first step has size `scale`. */
export function minimize(objective: Objective, start: readonly number[], epsilon: number, scale: number, options: NelderMeadOptions = DEFAULT_NELDER_MEAD): Minimum {
  const n = start.length;
  const v = initialSimplex(start, scale);
  const f = v.map((vertex) => objective(vertex));
  const vr = new Array<number>(n).fill(0);
  const ve = new Array<number>(n).fill(0);
  const vc = new Array<number>(n).fill(0);
  const vm = new Array<number>(n).fill(0);
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    const { vg, vh, vs } = rank(f);
    const worst = v[vg] as number[];
    for (let i = 0; i < n; i++) {
      let centroid = 0;
      for (let m = 0; m <= n; m++) if (m !== vg) centroid += (v[m] as number[])[i] as number;
      vm[i] = centroid / n;
    }
    for (let i = 0; i < n; i++) vr[i] = (vm[i] as number) + options.reflection * ((vm[i] as number) - (worst[i] as number));
    const fr = objective(vr);
    if (fr < (f[vh] as number) && fr >= (f[vs] as number)) {
      copyInto(worst, vr);
      f[vg] = fr;
    }
    if (fr < (f[vs] as number)) {
      for (let i = 0; i < n; i++) ve[i] = (vm[i] as number) + options.expansion * ((vr[i] as number) - (vm[i] as number));
      const fe = objective(ve);
      copyInto(worst, fe < fr ? ve : vr);
      f[vg] = fe < fr ? fe : fr;
    }
    if (fr >= (f[vh] as number)) {
      const outside = fr < (f[vg] as number);
      for (let i = 0; i < n; i++) {
        vc[i] = outside
          ? (vm[i] as number) + options.contraction * ((vr[i] as number) - (vm[i] as number))
          : (vm[i] as number) - options.contraction * ((vm[i] as number) - (worst[i] as number));
      }
      const fc = objective(vc);
      if (fc < (f[vg] as number)) {
        copyInto(worst, vc);
        f[vg] = fc;
      } else {
        // The contraction failed: halve every vertex's distance to the best one.
        const best = v[vs] as number[];
        for (let row = 0; row <= n; row++) {
          if (row === vs) continue;
          const vertex = v[row] as number[];
          for (let i = 0; i < n; i++) vertex[i] = (best[i] as number) + ((vertex[i] as number) - (best[i] as number)) / 2;
        }
        f[vg] = objective(worst);
        f[vh] = objective(v[vh] as number[]);
      }
    }
    if (converged(f, epsilon)) break;
  }
  const { vs } = rank(f);
  const best = v[vs] as number[];
  const point = best.slice();
  return { value: objective(best), point };
}
