// Nelder-Mead as InfluxDB's query/neldermead runs it: converges on smooth functions, and the
// objective may rewrite the vertex it is handed (holt_winters relies on that).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimize } from '../../../src/core/query/functions/nelder-mead.js';

test('finds the minimum of a shifted paraboloid', () => {
  const { value, point } = minimize((x) => (x[0]! - 3) ** 2 + (x[1]! + 1) ** 2 + 2, [0, 0], 1e-12, 1);
  assert.ok(Math.abs(value - 2) < 1e-9, `value ${value}`);
  assert.ok(Math.abs(point[0]! - 3) < 1e-3 && Math.abs(point[1]! + 1) < 1e-3, `point ${point.join(', ')}`);
});

test('Rosenbrock from (-1.2, 1) converges near (1, 1)', () => {
  const rosenbrock = (x: number[]): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
  const { value, point } = minimize(rosenbrock, [-1.2, 1], 1e-10, 1);
  assert.ok(value < 1e-6, `value ${value}`);
  assert.ok(Math.abs(point[0]! - 1) < 1e-2 && Math.abs(point[1]! - 1) < 1e-2, `point ${point.join(', ')}`);
});

test('an objective that clamps its vertex keeps the search inside the bounds', () => {
  const { point } = minimize((x) => {
    x[0] = Math.max(0, Math.min(1, x[0]!));
    return (x[0]! - 2) ** 2;
  }, [0.5], 1e-12, 1);
  assert.equal(point[0], 1);
});

test('the iteration bound holds: a non-converging objective still returns', () => {
  let calls = 0;
  minimize(() => {
    calls++;
    return NaN;
  }, [0, 0], 1e-4, 1, { maxIterations: 50, reflection: 1, contraction: 0.5, expansion: 2 });
  assert.ok(calls <= 3 + 50 * 4 + 1, `calls ${calls}`);
});
