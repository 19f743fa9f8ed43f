// Compares an already running server with the stored InfluxDB 1.6.7 goldens, for quick iteration on the query layer.
// Run: node --import tsx test/query-corpus/diff.ts --url http://127.0.0.1:8086 [--no-load] [--group 30-aggregates] [--id agg-count]
//      [--verbose] [--print-matched]   (--print-matched lists matching ids: candidates for required.json)
import { parseArgs } from 'node:util';
import type { QueryResponse } from '../support/compare.js';
import { loadCorpus, readCorpusJson, readGoldens, runCorpus, setupCorpusData } from './corpus.js';
import { classifyOutcomes, renderVerdict } from './differential-report.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8086' },
    'no-load': { type: 'boolean', default: false },
    group: { type: 'string', multiple: true },
    id: { type: 'string', multiple: true },
    verbose: { type: 'boolean', default: false },
    'print-matched': { type: 'boolean', default: false },
  },
});
const groups = new Set(values.group ?? []);
const ids = new Set(values.id ?? []);
const corpus = loadCorpus().filter((e) => (groups.size === 0 || groups.has(e.group)) && (ids.size === 0 || ids.has(e.id)));
const expected = new Map<string, QueryResponse>([...readGoldens()].map(([id, g]) => [id, g.response]));
const known = Object.fromEntries(
  Object.entries(readCorpusJson<Record<string, string>>('known-differences.json')).filter(([k]) => !k.startsWith('$')),
);
const required = new Set(readCorpusJson<{ ids: string[] }>('required.json').ids);
if (!values['no-load']) await setupCorpusData(values.url);
const actual = await runCorpus(values.url, corpus);
const outcomes = classifyOutcomes({ corpus, expected, actual, known });
const verdict = renderVerdict(outcomes, { title: `${values.url} vs goldens`, required, requireAll: false, verbose: values.verbose });
process.stdout.write(verdict.lines.join('\n') + '\n');
if (values['print-matched']) {
  // Candidates for required.json: everything that matches today, as a JSON array to paste.
  process.stdout.write(JSON.stringify(outcomes.filter((o) => o.kind === 'matched').map((o) => o.entry.id), null, 2) + '\n');
}
process.exitCode = verdict.mustMatchFailing.length === 0 ? 0 : 1;
