import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hb-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The parent's environment without any HYPERBYTEDB__ setting, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('HYPERBYTEDB__')) env[name] = value;
  return { ...env, ...extra };
}

function run(args: string[], extraEnv: Record<string, string> = {}, entry = ['--import', 'tsx', 'src/cli/main.ts']) {
  const result = spawnSync(process.execPath, [...entry, ...args], { cwd: ROOT, env: childEnv(extraEnv), encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.error, undefined);
  return result;
}

test('`config` prints the effective config as TOML: file < env < flags, secret redacted', () => {
  const configFile = join(dir, 'hb.toml');
  writeFileSync(configFile, '[server]\nport = 9086\nquery_timeout = "90s"\n[logging]\nlevel = "warn"\n[cluster]\nsecret = "do-not-print"\n');
  const result = run(['config', '--config', configFile, '--port', '9999', '--data-dir', '/srv/hb'], { HYPERBYTEDB__LOGGING__LEVEL: 'debug' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.ok(!result.stdout.includes('do-not-print'));
  const document = parseToml(result.stdout) as Record<string, Record<string, unknown>>;
  assert.equal(document['server']?.['port'], 9999);
  assert.equal(document['server']?.['query_timeout'], '90s');
  assert.equal(document['logging']?.['level'], 'debug');
  assert.equal(document['storage']?.['wal_dir'], '/srv/hb/wal');
  assert.equal(document['cluster']?.['secret'], '<redacted>');
});

test('`config` exits 1 with the config error on stderr and prints nothing on stdout', () => {
  const result = run(['config'], { HYPERBYTEDB__LOGGING__FORMAT: 'xml' });
  assert.equal(result.status, 1);
  assert.equal(result.stdout, '');
  assert.equal(
    result.stderr,
    'hyperbytedb: invalid configuration: logging.format: must be one of text, json; got "xml" (from HYPERBYTEDB__LOGGING__FORMAT)\n',
  );
});

test('`serve` refuses an invalid config before loading the server', () => {
  const result = run(['serve', '--port', 'http']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /server\.port: must be an integer between 0 and 65535; got "http" \(from --port\)/);
});

test('bin/hyperbytedb.mjs launches the same CLI through tsx', () => {
  const result = run(['config', '--log-level', 'trace'], {}, ['bin/hyperbytedb.mjs']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\[logging\]\nlevel = "trace"$/m);
});
