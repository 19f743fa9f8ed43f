// Differential test: the whole InfluxQL corpus against InfluxDB 1.6.7 (live, else its stored goldens) and HyperbyteDB,
// once with every in-memory query path forced on and once forced off.
// Passes when every id in required.json matches (DIFF_ALL=1: every id not in known-differences.json); never edits goldens.
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { influxdAvailable, startInfluxd } from '../support/influxd.js';
import { hyperbytedbAvailable, startHyperbytedb } from '../support/hyperbytedb-server.js';
import type { QueryResponse } from '../support/compare.js';
import {
  loadCorpus,
  readCorpusJson,
  readGoldens,
  runCorpus,
  setupCorpusData,
  type CorpusEntry,
} from '../query-corpus/corpus.js';
import { classifyOutcomes, renderVerdict } from '../query-corpus/differential-report.js';

const corpus = loadCorpus();
const goldens = readGoldens();
const known = Object.fromEntries(
  Object.entries(readCorpusJson<Record<string, string>>('known-differences.json')).filter(([k]) => !k.startsWith('$')),
);
const required = new Set(readCorpusJson<{ ids: string[] }>('required.json').ids);
const requireAll = process.env['DIFF_ALL'] === '1';
const verbose = process.env['DIFF_VERBOSE'] === '1';
const goldenAnswers = new Map<string, QueryResponse>([...goldens].map(([id, g]) => [id, g.response]));
const perQueryTimeoutMs = 20_000;

function print(lines: readonly string[]): void {
  // node's runner turns a test file's stdout lines into `# ` diagnostics in its report.
  for (const line of lines) process.stdout.write(`${line}\n`);
}

test('corpus files are consistent with goldens and the data files', () => {
  const ids = new Set(corpus.map((e) => e.id));
  assert.ok(corpus.length >= 300, `corpus has only ${corpus.length} queries`);
  const missingGoldens = corpus.filter((e) => !goldens.has(e.id)).map((e) => e.id);
  assert.deepEqual(missingGoldens, [], 'queries without a golden answer: run `node --import tsx test/query-corpus/record.ts`');
  const changed = corpus.filter((e) => goldens.get(e.id)?.query !== e.query).map((e) => e.id);
  assert.deepEqual(changed, [], 'queries edited since their golden was recorded: re-run record.ts');
  assert.deepEqual([...required].filter((id) => !ids.has(id)), [], 'required.json names unknown ids');
  assert.deepEqual(Object.keys(known).filter((id) => !ids.has(id)), [], 'known-differences.json names unknown ids');
  assert.deepEqual([...required].filter((id) => id in known), [], 'an id cannot be both required and a known difference');
});

test('InfluxDB 1.6.7 still answers as its stored goldens', { skip: influxdAvailable().available ? false : influxdAvailable().reason, timeout: 300_000 }, async () => {
  const influxd = await startInfluxd();
  try {
    await setupCorpusData(influxd.url);
    const live = await runCorpus(influxd.url, corpus, { timeoutMs: perQueryTimeoutMs });
    const outcomes = classifyOutcomes({ corpus, expected: goldenAnswers, actual: live, known: {} });
    const verdict = renderVerdict(outcomes, {
      title: 'influxd vs goldens',
      required: new Set(),
      requireAll: true,
      verbose,
      mustMatchLabel: 'every query',
    });
    print(verdict.lines);
    assert.equal(verdict.mustMatchFailing.length, 0, 'the oracle drifted from its goldens; re-record or fix a nondeterministic query');
  } finally {
    await influxd.stop();
  }
});

/** Oracle answers, shared by both runs: live influxd 1.6.7 when installed, stored goldens otherwise. */
let oracle: Promise<{ expected: ReadonlyMap<string, QueryResponse>; source: string }> | undefined;
function oracleAnswers(): Promise<{ expected: ReadonlyMap<string, QueryResponse>; source: string }> {
  oracle ??= (async () => {
    if (!influxdAvailable().available) return { expected: goldenAnswers, source: 'stored goldens' };
    const influxd = await startInfluxd();
    try {
      await setupCorpusData(influxd.url);
      return { expected: await runCorpus(influxd.url, corpus, { timeoutMs: perQueryTimeoutMs }), source: 'live influxd 1.6.7' };
    } finally {
      await influxd.stop();
    }
  })();
  return oracle;
}

/** A counter's total on our /metrics (0 when absent). */
async function metricTotal(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

// Twice: every in-memory query path (the last-value, first-value and recent-points caches, the tag value index) forced on, so each
// query it can take is answered from memory, and forced off, so every query reads chDB.
for (const mode of ['on', 'off'] as const) {
  test(`HyperbyteDB answers the corpus like InfluxDB 1.6.7 (in-memory paths ${mode})`, { skip: hyperbytedbAvailable().available ? false : hyperbytedbAvailable().reason, timeout: 900_000 }, async () => {
    const { expected, source } = await oracleAnswers();
    const ours = await startHyperbytedb({ env: { HYPERBYTEDB__CACHE__LAST_VALUE: mode, HYPERBYTEDB__CACHE__FIRST_VALUE: mode, HYPERBYTEDB__CACHE__RECENT_POINTS: mode, HYPERBYTEDB__CACHE__TAG_VALUES: mode } });
    let actual: Map<string, QueryResponse>;
    let cacheHits: number;
    let firstHits: number;
    let recentHits: number;
    try {
      await setupCorpusData(ours.url).catch((err: unknown) => {
        throw new Error(`loading the corpus dataset into HyperbyteDB failed: ${String(err)}\n${ours.output()}`);
      });
      actual = await runCorpus(ours.url, corpus as readonly CorpusEntry[], {
        timeoutMs: perQueryTimeoutMs,
        abortReason: () => (ours.exited() ? 'hyperbytedb exited' : undefined),
      });
      if (ours.exited()) print([`hyperbytedb exited during the run; output tail:`, ...ours.output().split('\n').slice(-30)]);
      cacheHits = ours.exited() ? -1 : await metricTotal(ours.url, 'hyperbytedb_last_value_cache_hits_total');
      firstHits = ours.exited() ? -1 : await metricTotal(ours.url, 'hyperbytedb_first_value_cache_hits_total');
      recentHits = ours.exited() ? -1 : await metricTotal(ours.url, 'hyperbytedb_recent_points_cache_hits_total');
    } finally {
      await ours.stop();
    }
    const outcomes = classifyOutcomes({ corpus, expected, actual, known });
    const verdict = renderVerdict(outcomes, { title: `hyperbytedb (in-memory paths ${mode}) vs ${source}`, required, requireAll, verbose });
    print([...verdict.lines, `  last-value cache answered ${cacheHits} statements, first-value cache ${firstHits}, recent-points cache ${recentHits} reads`]);
    const reportPath = process.env['DIFF_REPORT'];
    if (reportPath !== undefined && reportPath !== '') {
      // Machine-readable per-query outcome, for CI artifacts and score tracking over time.
      const report = outcomes.map((o) => ({ id: o.entry.id, group: o.entry.group, kind: o.kind, diffs: o.diffs }));
      writeFileSync(mode === 'on' ? reportPath : reportPath.replace(/(\.json)?$/, '.paths-off.json'), JSON.stringify({ source, mode, counts: verdict.counts, outcomes: report }, null, 2) + '\n');
    }
    assert.equal(
      verdict.mustMatchFailing.length,
      0,
      `${verdict.mustMatchFailing.length} required queries differ: ${verdict.mustMatchFailing.map((o) => o.entry.id).join(', ')}`,
    );
    // The forced run must really have taken the in-memory path (and the other must not have).
    if (mode === 'on') {
      assert.ok(cacheHits > 0, 'no statement was answered by the last-value cache');
      assert.ok(firstHits > 0, 'no statement was answered by the first-value cache');
      assert.ok(recentHits > 0, 'no read was answered by the recent-points cache');
    } else assert.deepEqual([cacheHits, firstHits, recentHits], [0, 0, 0]);
  });
}
