// The hyperbytedb command line: parses arguments, loads the Config and hands it to one subcommand.
// It holds no service logic and reads no setting itself; serve.ts composes the server.

import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from '@commander-js/extra-typings';
import { configToToml } from './config-schema.js';
import { LOG_LEVELS, type Config } from './config-types.js';
import { ConfigError, loadConfig, type ConfigFlags } from './load-config.js';
import { runDrain, runShow, UsageError, type ClusterCommandIo } from './cluster-commands.js';

interface ConfigOptionValues {
  readonly config?: string | undefined;
  readonly port?: string | undefined;
  readonly bind?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly join?: string | undefined;
}

/** The options every config-consuming subcommand accepts, so `config` shows exactly what `serve` would run with. */
function withConfigOptions(command: Command) {
  return command
    .option('-c, --config <file>', 'TOML config file; precedence: defaults < file < HYPERBYTEDB__SECTION__KEY env < flags')
    .option('--port <port>', 'HTTP API port (server.port)')
    .option('--bind <address>', 'HTTP API bind address (server.bind_address)')
    .option('--data-dir <dir>', 'data directory (storage.data_dir)')
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (logging.level)`);
}

/** The Config, or undefined after printing why it is invalid and setting exit code 1. */
function loadConfigOrReport(values: ConfigOptionValues, env: NodeJS.ProcessEnv): Config | undefined {
  const flags: ConfigFlags = { port: values.port, bindAddress: values.bind, dataDir: values.dataDir, logLevel: values.logLevel, join: values.join };
  try {
    return loadConfig({ configFile: values.config, env, flags });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`hyperbytedb: ${error.message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

function addServeCommand(program: Command, env: NodeJS.ProcessEnv): void {
  withConfigOptions(program.command('serve').description('run the database server'))
    .option('--join <url>', 'join a running cluster through this member (host:port or URL; comma-separated for several) when this node has no Raft state yet (cluster.join)')
    .action(async (values) => {
      const config = loadConfigOrReport(values, env);
      if (config === undefined) return;
      // Imported lazily so `config` and `--help` never load the storage engine.
      await import('./serve.js').then((m) => m.serve(config, env));
    });
}

function addConfigCommand(program: Command, env: NodeJS.ProcessEnv): void {
  withConfigOptions(program.command('config').description('print the effective configuration as TOML (secrets redacted)'))
    .action((values) => {
      const config = loadConfigOrReport(values, env);
      if (config !== undefined) process.stdout.write(configToToml(config));
    });
}

const io: ClusterCommandIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** Runs an operator command, turning its outcome into the exit code (2 for usage problems). */
async function finish(run: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (error) {
    process.stderr.write(`hyperbytedb cluster: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

function addClusterCommands(program: Command, env: NodeJS.ProcessEnv): void {
  const cluster = program.command('cluster').description('operate a cluster node over its HTTP API (requests signed with the cluster secret)');
  withConfigOptions(cluster.command('drain').description('drain a node: reject writes, flush, hand its data to the peers, leave Raft; exits 0 once it left'))
    .option('--node <url>', "the node to drain (default: this config's server address)")
    .option('--timeout <duration>', 'how long to wait for the peers to hold its entries (default: cluster.drain_timeout)')
    .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .option('--force', 'skip waiting for the peers (entries only this node holds may be lost)')
    .option('--abort', 'stop a drain and return the node to Active')
    .option('--no-wait', 'start the drain and return at once')
    .action(async (values) => {
      const config = loadConfigOrReport(values, env);
      if (config !== undefined) await finish(() => runDrain(config, values, io));
    });
  const shows = [
    ['nodes', '/cluster/nodes', 'every member with its addresses, state and last heartbeat'],
    ['leader', '/cluster/leader', 'the Raft leader and term'],
    ['manifest', '/internal/sync/manifest', 'what the node holds: WAL positions per origin, catalog index and digest'],
  ] as const;
  for (const [name, path, description] of shows) {
    withConfigOptions(cluster.command(name).description(description))
      .option('--node <url>', "the node to ask (default: this config's server address)")
      .action(async (values) => {
        const config = loadConfigOrReport(values, env);
        if (config !== undefined) await finish(() => runShow(config, values.node, path, io));
      });
  }
}

function addBackupCommands(program: Command, env: NodeJS.ProcessEnv): void {
  withConfigOptions(program.command('backup').description('back up the data (online: through the running server; else from the data directory) into an empty directory'))
    .requiredOption('-o, --output <dir>', 'directory to write the backup into (new or empty)')
    .option('--db <name>', 'back up this database only')
    .action(async (values) => {
      const config = loadConfigOrReport(values, env);
      if (config === undefined) return;
      const { runBackup } = await import('./backup-commands.js');
      process.exitCode = await runBackup(config, { output: values.output, db: values.db }, { stdout: process.stdout, stderr: process.stderr });
    });
  withConfigOptions(program.command('restore').description('restore a backup over the configured data directories (the server must be stopped)'))
    .requiredOption('-i, --input <dir>', 'backup directory (with manifest.json)')
    .action(async (values) => {
      const config = loadConfigOrReport(values, env);
      if (config === undefined) return;
      const { runRestore } = await import('./backup-commands.js');
      process.exitCode = await runRestore(config, { input: values.input }, { stdout: process.stdout, stderr: process.stderr });
    });
}

export function buildProgram(env: NodeJS.ProcessEnv): Command {
  const program = new Command('hyperbytedb')
    .description('InfluxDB v1-compatible time-series database')
    .version(readPackageVersion())
    .showHelpAfterError();
  addServeCommand(program, env);
  addConfigCommand(program, env);
  addClusterCommands(program, env);
  addBackupCommands(program, env);
  return program;
}

/** `argv` as in process.argv (node binary, script, then arguments). */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await buildProgram(env).parseAsync([...argv]);
  } catch (error) {
    process.stderr.write(`hyperbytedb: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

function readPackageVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof packageJson.version === 'string' ? packageJson.version : '0.0.0';
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// `node --import tsx src/cli/main.ts …` (npm start) runs here; bin/hyperbytedb.mjs imports runCli instead.
if (isEntryPoint()) await runCli(process.argv, process.env);
