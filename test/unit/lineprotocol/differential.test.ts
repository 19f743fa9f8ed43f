// Differential test: every corpus body goes to a real InfluxDB 1.6.7 and to our parser; the 400
// error text and the stored rows must match. Skips (with the reason) when influxd is unavailable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Point } from '../../../src/core/model/point.js';
import {
  formatPartialWriteMessage,
  parseLineProtocol,
  precisionFromQuery,
} from '../../../src/core/lineprotocol/index.js';
import { influxdAvailable, startInfluxd, type InfluxdHandle } from '../../support/influxd.js';

interface CorpusCase {
  readonly name: string;
  readonly body: string;
  readonly precision?: string;
}

const corpus = JSON.parse(readFileSync(new URL('./corpus.json', import.meta.url), 'utf8')) as CorpusCase[];
/** Our stand-in for server time; a multiple of one hour so every precision leaves it unchanged. */
const NOW_SENTINEL_NS = 3_600_000_000_000_000_000n;
const requestTimeoutMs = 10_000;
const availability = influxdAvailable();

type Row = Map<string, string>;

describe('line protocol vs InfluxDB 1.6.7', { skip: availability.available ? false : availability.reason }, () => {
  let influxd: InfluxdHandle | undefined;
  before(async () => {
    influxd = await startInfluxd();
  });
  after(async () => {
    await influxd?.stop();
  });

  test('corpus has at least 80 cases', () => {
    assert.ok(corpus.length >= 80, `only ${corpus.length} cases`);
  });

  corpus.forEach((c, index) => {
    test(`${index}: ${c.name}`, async () => {
      assert.ok(influxd);
      const db = `lp_case_${index}`;
      await query(influxd.url, `CREATE DATABASE ${db}`);
      try {
        const wallNowNs = BigInt(Date.now()) * 1_000_000n;
        const search = new URLSearchParams({ db });
        if (c.precision !== undefined) search.set('precision', c.precision);
        const res = await fetch(`${influxd.url}/write?${search}`, {
          method: 'POST',
          body: c.body,
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const text = await res.text();

        const ours = parseLineProtocol(Buffer.from(c.body), {
          precision: precisionFromQuery(c.precision),
          nowNs: NOW_SENTINEL_NS,
          allowUnsigned: false,
        });
        if (ours.errors.length === 0) {
          assert.equal(res.status, 204, `influxd answered ${res.status}: ${text}`);
        } else {
          assert.equal(res.status, 400, `influxd accepted a body we reject: ${JSON.stringify(ours.errors)}`);
          const expected = formatPartialWriteMessage(ours.errors, { parsedPoints: ours.points.length });
          assert.equal((JSON.parse(text) as { error: string }).error, expected);
        }
        assert.deepEqual(await storedRows(influxd.url, db, wallNowNs), expectedRows(ours.points));
      } finally {
        await query(influxd.url, `DROP DATABASE ${db}`);
      }
    });
  });
});

async function query(url: string, q: string, db?: string): Promise<string> {
  const search = new URLSearchParams({ q, epoch: 'ns' });
  if (db !== undefined) search.set('db', db);
  const res = await fetch(`${url}/query?${search}`, { method: 'POST', signal: AbortSignal.timeout(requestTimeoutMs) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}

interface QuerySeries {
  readonly name: string;
  readonly columns: string[];
  readonly values: unknown[][];
}

function seriesOf(text: string): QuerySeries[] {
  // Keep 64-bit integers (times, integer fields) exact: quote long bare numbers before JSON.parse.
  const exact = text.replace(/([[,])(-?\d{16,})(?=[,\]])/g, '$1"$2"');
  const parsed = JSON.parse(exact) as { results: { series?: QuerySeries[]; error?: string }[] };
  const result = parsed.results[0];
  assert.ok(result && result.error === undefined, text);
  return result.series ?? [];
}

/** measurement → sorted canonical rows, read back from influxd (one query per measurement). */
async function storedRows(url: string, db: string, wallNowNs: bigint): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const names = seriesOf(await query(url, 'SHOW MEASUREMENTS', db)).flatMap((s) => s.values.map((v) => String(v[0])));
  for (const name of names) {
    const ident = `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const rows: string[] = [];
    for (const series of seriesOf(await query(url, `SELECT * FROM ${ident}`, db))) {
      for (const values of series.values) {
        const row: Row = new Map();
        series.columns.forEach((column, k) => {
          const cell = values[k];
          if (cell === null || cell === undefined || cell === '') return;
          row.set(column, column === 'time' ? canonicalTime(String(cell), wallNowNs) : canonicalCell(cell));
        });
        rows.push(rowText(row));
      }
    }
    out[name] = rows.sort();
  }
  return out;
}

function canonicalTime(text: string, wallNowNs: bigint): string {
  const t = BigInt(text);
  const hourNs = 3_600_000_000_000n;
  // influxd stamped its own clock (maybe truncated to the hour): that is our sentinel.
  return t > wallNowNs - 2n * hourNs && t < wallNowNs + hourNs ? 'now' : String(t);
}

function canonicalCell(cell: unknown): string {
  if (typeof cell === 'boolean') return `b:${cell}`;
  if (typeof cell === 'number') return `n:${cell}`;
  const text = String(cell);
  // Long integers were quoted by seriesOf; values of string columns are returned as JSON strings.
  return /^-?\d{16,}$/.test(text) ? `n:${Number(text)}` : `s:${text}`;
}

function rowText(row: Row): string {
  return JSON.stringify([...row.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What influxd should hold after storing `points`: rows merged per series and timestamp. */
function expectedRows(points: readonly Point[]): Record<string, string[]> {
  const merged = new Map<string, { measurement: string; row: Row }>();
  for (const p of points) {
    const time = p.timeNs === NOW_SENTINEL_NS ? 'now' : String(p.timeNs);
    const id = JSON.stringify([p.measurement, p.tags, time]);
    let entry = merged.get(id);
    if (entry === undefined) {
      const row: Row = new Map([['time', time]]);
      for (let t = 0; t + 1 < p.tags.length; t += 2) row.set(p.tags[t]!, `s:${p.tags[t + 1]!}`);
      entry = { measurement: p.measurement, row };
      merged.set(id, entry);
    }
    p.fieldKeys.forEach((key, f) => {
      const value = p.fieldValues[f]!;
      const type = p.fieldTypes[f];
      const cell =
        type === 'boolean' ? `b:${value}` : type === 'string' ? `s:${value}` : `n:${Number(value)}`;
      entry.row.set(key, type === 'string' && value === '' ? '' : cell);
      if (type === 'string' && value === '') entry.row.delete(key);
    });
  }
  const out: Record<string, string[]> = {};
  for (const { measurement, row } of merged.values()) (out[measurement] ??= []).push(rowText(row));
  for (const rows of Object.values(out)) rows.sort();
  return out;
}
