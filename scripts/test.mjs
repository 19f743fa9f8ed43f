// Runs the test suite: builds an explicit file list (Node 20 expands no globs)
// and hands it to node's built-in runner through tsx. Never runs zero files.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.length > 2 ? process.argv.slice(2) : ['test/unit', 'test/jepsen-lite'];
const files = [];
for (const root of roots) {
  if (root.endsWith('.ts')) { files.push(root); continue; }
  for (const entry of readdirSync(root, { recursive: true })) {
    const name = String(entry);
    if (name.endsWith('.test.ts')) files.push(join(root, name));
  }
}
files.sort();
if (files.length === 0) {
  process.stderr.write(`no test files under ${roots.join(', ')}\n`);
  process.exit(1);
}
const args = [
  '--import', 'tsx',
  '--test',
  '--test-concurrency=2',
  '--test-timeout=300000',
  ...(process.env.TEST_REPORTER ? [`--test-reporter=${process.env.TEST_REPORTER}`] : []),
  ...files,
];
const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
