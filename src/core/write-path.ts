// The write path after parsing: catalog additions (through the catalog writer), the re-check
// against the catalog that holds them, cardinality limits, then the WAL append. A point the
// catalog or a limit refuses is dropped and named; nothing is acknowledged that cannot be stored.

import type { Catalog } from './meta/catalog.js';
import type { CatalogWriter } from './meta/catalog-applier.js';
import type { SeriesIndex, SeriesLimits } from './meta/series-index.js';
import type { Point } from './model/point.js';
import type { AppendReceipt, Wal } from './wal/wal-port.js';
import { admitPoints, validateWrite, type SchemaLimits } from './write-validator.js';
import { UnavailableError } from './errors.js';
import type { Tracer } from './tracing.js';
import { BEYOND_RETENTION, retentionCutoffNs, withinRetention } from './meta/retention.js';

export interface WriteOutcome {
  readonly points: number;
  readonly dropped: number;
  /** The first reason a point was dropped, in InfluxDB's words, or null. */
  readonly firstReason: string | null;
  /** InfluxDB 1.6 answers a conflict inside one batch creating a measurement with a bare "field type conflict". */
  readonly inBatchConflict: boolean;
  /** Where the accepted points went in the WAL (null when none was accepted). */
  readonly receipt: AppendReceipt | null;
}

export interface WritePathDeps {
  readonly catalog: () => Catalog;
  readonly writer: CatalogWriter;
  readonly wal: Wal;
  readonly series: SeriesIndex;
  readonly schemaLimits: SchemaLimits;
  readonly seriesLimits: SeriesLimits;
  /** True when the table refuses writes (its quarantine is full). */
  readonly refusesWrites: (db: string, rp: string, measurement: string) => boolean;
  readonly tracer: Tracer;
  /** Wall-clock now in nanoseconds: points older than the policy's duration before it are refused. */
  readonly nowNs: () => bigint;
}

export class WritePath {
  constructor(private readonly deps: WritePathDeps) {}

  async append(db: string, rp: string, points: readonly Point[]): Promise<WriteOutcome> {
    const { deps } = this;
    // As InfluxDB 1.x's shard mapping: a point older than the policy keeps is dropped before any
    // schema is touched for it.
    const live = withinRetention(points, retentionCutoffNs(deps.catalog().database(db)?.retentionPolicies.find((p) => p.name === rp), deps.nowNs()));
    const expired = points.length - live.length;
    const validated = deps.tracer.detail('write.catalog', { 'hyperbytedb.points': points.length }, () => validateWrite(deps.catalog(), db, rp, live, deps.schemaLimits));
    // The check and the change are one step: the catalog writer applies additions in one order
    // (first writer wins), and only the catalog that holds them decides what is kept.
    if (validated.commands.length > 0) {
      await deps.tracer.detail('write.catalog_apply', { 'hyperbytedb.catalog_commands': validated.commands.length }, () => deps.writer.apply(validated.commands));
    }
    const catalog = deps.catalog();
    const admitted = admitPoints(catalog, db, rp, validated.accepted, deps.schemaLimits);
    this.refuseQuarantined(db, rp, admitted.accepted);
    const series = deps.series.admit(db, rp, admitted.accepted, deps.seriesLimits);
    let receipt: AppendReceipt | null = null;
    if (series.accepted.length > 0) {
      try {
        receipt = await deps.tracer.detail('wal.append', { 'hyperbytedb.points': series.accepted.length }, () =>
          deps.wal.appendLocal({ db, rp, points: series.accepted, catalogIndex: catalog.index }),
        );
      } catch (error) {
        series.release();
        throw error;
      }
    }
    return {
      points: series.accepted.length,
      dropped: expired + validated.dropped + admitted.dropped + series.dropped,
      firstReason: validated.firstReason ?? admitted.firstReason ?? series.firstReason ?? (expired > 0 ? BEYOND_RETENTION : null),
      inBatchConflict: validated.inBatchConflict,
      receipt,
    };
  }

  private refuseQuarantined(db: string, rp: string, points: readonly Point[]): void {
    let last = '';
    for (const point of points) {
      if (point.measurement === last) continue;
      last = point.measurement;
      if (this.deps.refusesWrites(db, rp, point.measurement)) {
        throw new UnavailableError(`measurement "${point.measurement}" refuses writes: earlier points of it could not be stored yet and the space kept for them is full (see /health)`);
      }
    }
  }
}
