// House rules checked on every run (after TigerBeetle's tidy.zig): layering, file length,
// process.env only in the config module, no console.* in src, every TODO names an issue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const SRC = 'src';
const files = readdirSync(SRC, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(SRC, f));

/** Source without comments, so rules judge code, not prose about it. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/** Command-line entry points may read the environment and print. */
const CLI_ENTRIES = ['src/raft/testing/sim-cli.ts'];

function importsOf(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

test('there are source files to check', () => {
  assert.ok(files.length > 20, `found only ${files.length} files`);
});

test('core and raft never import cluster, http or cli; raft imports nothing from the repo', () => {
  const offenders: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const spec of importsOf(text)) {
      if (file.startsWith('src/core/') && /\/(cluster|http|cli)\//.test(spec)) offenders.push(`${file} → ${spec}`);
      if (file.startsWith('src/raft/') && spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(resolve('src/raft'))) {
        offenders.push(`${file} → ${spec}`);
      }
      if (file.startsWith('src/raft/core/') && spec.startsWith('node:')) offenders.push(`${file} → ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('raft/core uses no timers, Date or Math.random', () => {
  const offenders = files
    .filter((f) => f.startsWith('src/raft/core/'))
    .filter((f) => /\b(setTimeout|setInterval|Date\.now|new Date|Math\.random)\b/.test(code(f)));
  assert.deepEqual(offenders, []);
});

test('files stay under 700 lines', () => {
  const long = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 700);
  assert.deepEqual(long, []);
});

test('process.env is read only by the config module; no console.* in src', () => {
  const env = files.filter((f) => !f.startsWith('src/cli/') && !CLI_ENTRIES.includes(f) && /process\.env/.test(code(f)));
  assert.deepEqual(env, []);
  const consoles = files.filter((f) => !f.startsWith('src/cli/main') && !CLI_ENTRIES.includes(f) && /\bconsole\.(log|error|warn|info|debug)\(/.test(code(f)));
  assert.deepEqual(consoles, []);
});

test('every TODO names an issue', () => {
  const bare = files.filter((f) => /TODO(?!\s*\(#\d+\))/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(bare, []);
});
