// The continuous query scheduler against a real catalog: it runs only where shouldRun holds,
// records each run through the writer after the results are written, retries a failed range,
// and a second scheduler taking over (a new leader) resumes where the first stopped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Catalog } from '../../../src/core/meta/catalog.js';
import type { CatalogCommand } from '../../../src/core/meta/commands.js';
import { ContinuousQueryService, createContinuousQueryMetrics, withTimeRange } from '../../../src/core/services/continuous-queries.js';
import type { Expr, SelectStatement } from '../../../src/core/query/language/ast.js';
import { parseQuery } from '../../../src/core/query/language/parser.js';
import { exprText } from '../../../src/core/query/language/statement-text.js';
import { PartialWriteError } from '../../../src/core/errors.js';
import { ManualClock } from './support/manual-clock.js';

const MIN_MS = 60_000;
const T0 = Date.UTC(2024, 4, 6, 10, 0, 0);
const query = 'CREATE CONTINUOUS QUERY c ON db BEGIN SELECT mean(v) INTO db.autogen.m FROM db.autogen.cpu GROUP BY time(1m) END';

class World {
  catalog = Catalog.empty().apply({ kind: 'create-database', name: 'db' }).apply({ kind: 'create-continuous-query', db: 'db', name: 'c', query });
  readonly clock = new ManualClock(T0 + 5_000);
  readonly ranges: Array<[bigint, bigint]> = [];
  fail: Error | null = null;
  readonly writer = { apply: async (commands: readonly CatalogCommand[]) => void (this.catalog = this.catalog.applyAll(commands, this.catalog.index + 1)) };
  readonly metrics = createContinuousQueryMetrics(new Registry());

  scheduler(shouldRun: () => boolean): ContinuousQueryService {
    return new ContinuousQueryService(
      { enabled: true, runIntervalMs: 10_000 },
      {
        schema: () => this.catalog,
        writer: this.writer,
        runSelectInto: async (select) => {
          if (this.fail !== null) throw this.fail;
          this.ranges.push(rangeOf(select));
          return 3;
        },
        shouldRun,
        clock: this.clock,
        log: pino({ level: 'silent' }),
        metrics: this.metrics,
      },
    );
  }
}

function rangeOf(select: SelectStatement): [bigint, bigint] {
  const found: bigint[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === 'binary') {
      if (e.lhs.kind === 'var-ref' && e.lhs.name === 'time' && e.rhs.kind === 'integer') found.push(e.rhs.value);
      walk(e.lhs);
      walk(e.rhs);
    } else if (e.kind === 'paren') walk(e.expr);
  };
  walk(select.condition!);
  return [found[0]!, found[1]!];
}

const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

test('runs only where shouldRun holds; the first run records, the next runs the completed minute', async () => {
  const world = new World();
  let leader = false;
  const service = world.scheduler(() => leader);
  await service.runDue();
  assert.equal(world.catalog.database('db')!.continuousQueries![0]!.lastRunNs, null, 'a follower does nothing');
  leader = true;
  await service.runDue();
  assert.equal(world.catalog.database('db')!.continuousQueries![0]!.lastRunNs, ns(T0));
  assert.deepEqual(world.ranges, []);
  world.clock.advance(MIN_MS);
  await service.runDue();
  assert.deepEqual(world.ranges, [[ns(T0), ns(T0 + MIN_MS)]]);
  assert.equal(world.catalog.database('db')!.continuousQueries![0]!.lastRunNs, ns(T0 + MIN_MS));
  assert.equal((await world.metrics.pointsWritten.get()).values[0]!.value, 3);
});

test('a failed run is not recorded: the next tick covers the same range again', async () => {
  const world = new World();
  const service = world.scheduler(() => true);
  await service.runDue();
  world.clock.advance(MIN_MS);
  world.fail = new Error('store unavailable');
  await service.runDue();
  assert.equal(world.catalog.database('db')!.continuousQueries![0]!.lastRunNs, ns(T0));
  world.fail = null;
  world.clock.advance(MIN_MS);
  await service.runDue();
  assert.deepEqual(world.ranges, [[ns(T0), ns(T0 + 2 * MIN_MS)]]);
  assert.equal((await world.metrics.errors.get()).values[0]!.value, 1);
  world.clock.advance(MIN_MS);
  world.fail = new PartialWriteError('partial write: points beyond retention policy dropped=1', 1);
  await service.runDue();
  assert.equal(world.catalog.database('db')!.continuousQueries![0]!.lastRunNs, ns(T0 + 3 * MIN_MS), 'refused points are not retried');
});

test('a new leader resumes from the recorded run: no range is skipped or run twice', async () => {
  const world = new World();
  let leader: 'a' | 'b' = 'a';
  const a = world.scheduler(() => leader === 'a');
  const b = world.scheduler(() => leader === 'b');
  for (let tick = 0; tick < 60; tick++) {
    if (tick === 20) leader = 'b';
    if (tick === 25) leader = 'a';
    if (tick === 40) leader = 'b';
    await a.runDue();
    await b.runDue();
    world.clock.advance(10_000);
  }
  assert.ok(world.ranges.length >= 8);
  for (let i = 1; i < world.ranges.length; i++) assert.equal(world.ranges[i]![0], world.ranges[i - 1]![1]);
});

test('a raw query never runs and counts as an error; the time range replaces the query\'s own', async () => {
  const world = new World();
  world.catalog = world.catalog.apply({ kind: 'create-continuous-query', db: 'db', name: 'raw', query: 'CREATE CONTINUOUS QUERY raw ON db BEGIN SELECT v INTO db.autogen.r FROM db.autogen.cpu END' });
  const service = world.scheduler(() => true);
  await service.runDue();
  assert.equal((await world.metrics.errors.get()).values[0]!.value, 1);
  const [statement] = parseQuery("SELECT mean(v) INTO m FROM cpu WHERE (host = 'a' OR host = 'b') AND time > now() - 1h GROUP BY time(1m)");
  const ranged = withTimeRange(statement as SelectStatement, 10n, 20n);
  assert.equal(exprText(ranged.condition!), "(host = 'a' OR host = 'b') AND time >= 10 AND time < 20");
  const [orOnly] = parseQuery("SELECT mean(v) INTO m FROM cpu WHERE host = 'a' OR time > 5 GROUP BY time(1m)");
  assert.equal(exprText(withTimeRange(orOnly as SelectStatement, 10n, 20n).condition!), 'time >= 10 AND time < 20', 'OR with a time comparison folds to true');
});
