// Records InfluxDB 1.6.7's answers to the corpus as golden files (expected/<group>.json).
// Run: node --import tsx test/query-corpus/record.ts [group ...]. Starts its own influxd; never touches ours.
import { startInfluxd } from '../support/influxd.js';
import { loadCorpus, runCorpusQuery, setupCorpusData, writeGoldenGroup, type CorpusEntry, type RawResponse } from './corpus.js';

async function main(): Promise<void> {
  const onlyGroups = new Set(process.argv.slice(2));
  const corpus = loadCorpus();
  const influxd = await startInfluxd();
  try {
    await setupCorpusData(influxd.url);
    const byGroup = new Map<string, Array<{ entry: CorpusEntry; response: RawResponse }>>();
    // Every query runs, in corpus order, even when only some groups are rewritten: DDL depends on order.
    for (const entry of corpus) {
      const response = await runCorpusQuery(influxd.url, entry);
      const rows = byGroup.get(entry.group) ?? [];
      rows.push({ entry, response });
      byGroup.set(entry.group, rows);
    }
    let written = 0;
    for (const [group, rows] of byGroup) {
      if (onlyGroups.size > 0 && !onlyGroups.has(group)) continue;
      writeGoldenGroup(group, rows);
      written += rows.length;
      const errors = rows.filter((r) => r.response.status !== 200 || r.response.body.includes('"error"')).length;
      process.stdout.write(`${group}: ${rows.length} queries (${errors} answered with an error)\n`);
    }
    process.stdout.write(`recorded ${written} answers from influxd at ${influxd.url}\n`);
  } finally {
    await influxd.stop();
  }
}

await main();
