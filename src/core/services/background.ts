// The engine's periodic services beyond the flush: retention enforcement (every node) and the
// continuous query scheduler (where runsContinuousQueries() holds). Built here so engine.ts only
// lists them; they start after the flush and stop before it.

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Service } from '../service.js';
import type { CatalogWriter } from '../meta/catalog-applier.js';
import type { SchemaView } from '../meta/schema-view.js';
import type { SelectStatement } from '../query/language/ast.js';
import type { Series } from '../query/execute/result.js';
import type { RetentionStore } from '../store/retention-store.js';
import { createRetentionMetrics, defaultRetentionOptions, RetentionService, type RetentionOptions } from './retention.js';
import { ContinuousQueryService, createContinuousQueryMetrics, defaultContinuousQueryOptions, type ContinuousQueryOptions } from './continuous-queries.js';

export interface BackgroundServicesInput {
  readonly options: { readonly retention?: RetentionOptions; readonly continuousQueries?: ContinuousQueryOptions };
  readonly deps: { readonly log: Logger; readonly registry: Registry; readonly runsContinuousQueries?: () => boolean | Promise<boolean> };
  readonly clock: Clock;
  readonly schema: () => SchemaView;
  readonly writer: CatalogWriter;
  readonly store: RetentionStore;
  readonly tableChanged: (db: string, rp: string, measurement: string) => void;
  readonly runSelectInto: (select: SelectStatement, db: string) => Promise<number>;
}

export function backgroundServices(input: BackgroundServicesInput): Service[] {
  const { deps, clock } = input;
  const retention = new RetentionService(input.options.retention ?? defaultRetentionOptions, {
    schema: input.schema,
    store: input.store,
    tableChanged: input.tableChanged,
    clock,
    log: deps.log.child({ component: 'retention' }),
    metrics: createRetentionMetrics(deps.registry),
  });
  const continuousQueries = new ContinuousQueryService(input.options.continuousQueries ?? defaultContinuousQueryOptions, {
    schema: input.schema,
    writer: input.writer,
    runSelectInto: input.runSelectInto,
    shouldRun: deps.runsContinuousQueries ?? (() => true),
    clock,
    log: deps.log.child({ component: 'continuous-queries' }),
    metrics: createContinuousQueryMetrics(deps.registry),
  });
  return [retention, continuousQueries];
}

/** Points a SELECT … INTO wrote, from its `result` series. */
export function writtenCount(series: readonly Series[]): number {
  const value = series[0]?.values[0]?.[1];
  return typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : 0;
}
