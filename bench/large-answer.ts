// Large-answer benchmark: while one query returns a large answer, how long do /ping requests
// wait? The server runs as a child process; a 5 ms-spaced /ping loop runs until the answer is
// fully read. Prints the answer's size and time and the median and max /ping latency.
//
// Run: npm run bench:large-answer
// Knobs (env): ROWS (500000) ROUNDS (2)

import { request } from 'undici';
import { startHyperbytedb } from '../test/support/hyperbytedb-server.js';
import { envInt } from './env.js';

const rows = envInt('ROWS', 500_000);
const rounds = envInt('ROUNDS', 2);
const batch = 50_000;

async function main(): Promise<void> {
  const server = await startHyperbytedb({ startTimeoutMs: 120_000 });
  try {
    const url = server.url;
    await request(`${url}/query?q=CREATE+DATABASE+b`, { method: 'POST' }).then((r) => r.body.dump());
    for (let start = 0; start < rows; start += batch) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(rows, start + batch); i++) lines.push(`big,host=h${i % 3} v=${i},w=${i * 2} ${i * 1_000_000_000}`);
      const res = await request(`${url}/write?db=b`, { method: 'POST', body: lines.join('\n') });
      if (res.statusCode !== 204) throw new Error(`write answered ${res.statusCode}: ${await res.body.text()}`);
      await res.body.dump();
    }
    await (await request(`${url}/query?db=b&q=${encodeURIComponent('SELECT count(v) FROM big')}`)).body.text();
    for (let round = 0; round < rounds; round++) {
      let done = false;
      const pings: number[] = [];
      const started = performance.now();
      const answer = request(`${url}/query?db=b&q=${encodeURIComponent('SELECT v, w, host FROM big')}`).then(async (r) => {
        const length = (await r.body.text()).length;
        done = true;
        return length;
      });
      while (!done) {
        const t = performance.now();
        await (await request(`${url}/ping`)).body.dump();
        pings.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const length = await answer;
      pings.sort((a, b) => a - b);
      process.stdout.write(
        `answer of ${rows} rows, ${length} bytes, in ${(performance.now() - started).toFixed(0)} ms; ` +
          `${pings.length} pings meanwhile: median ${pings[pings.length >> 1]?.toFixed(1)} ms, max ${pings[pings.length - 1]?.toFixed(1)} ms\n`,
      );
    }
  } finally {
    await server.stop();
  }
}

await main();
