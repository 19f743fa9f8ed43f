// An engine (real WAL and chDB) in a temp dir for the in-memory caches' tests: database `db`, a
// flush only when a query or the test asks for one, reopened on the same data for restarts, and
// its metrics read by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { openEngine, defaultEngineOptions, type Engine, type EngineOptions } from '../../src/core/index.js';
import { metricSum } from './registry-metric.js';

export class CacheTestEngine {
  private readonly dir: string;
  private opened: Engine | undefined;
  private registry = new Registry();

  /** `caches`: the cache options under test (the others keep their defaults). */
  constructor(prefix: string, private readonly caches: Partial<EngineOptions>) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
  }

  get engine(): Engine {
    if (this.opened === undefined) throw new Error('the test engine is not open');
    return this.opened;
  }

  /** Opens the engine (again, after a close) on the same data, with fresh metrics. */
  async open(): Promise<void> {
    const defaults = defaultEngineOptions(this.dir);
    this.registry = new Registry();
    this.opened = await openEngine({ ...defaults, flush: { ...defaults.flush, intervalMs: 60_000 }, ...this.caches }, { log: pino({ level: 'silent' }), registry: this.registry });
  }

  /** Opens it and creates database `db`. */
  async start(): Promise<void> {
    await this.open();
    await this.engine.query('CREATE DATABASE db', { db: '' });
  }

  async stop(): Promise<void> {
    await this.opened?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A metric's value summed over the series matching `labels`. */
  counter(name: string, labels: Record<string, string> = {}): Promise<number> {
    return metricSum(this.registry, name, labels);
  }

  /** Writes line protocol to `db`: lines, or one text whose lines are trimmed. */
  async write(lines: string | readonly string[]): Promise<void> {
    const body = typeof lines === 'string' ? lines.trim().split('\n').map((l) => l.trim()).join('\n') : lines.join('\n');
    await this.engine.write({ db: 'db', body: Buffer.from(body) });
  }
}
