// `hyperbytedb backup` and `hyperbytedb restore`. Backup asks the running server (its control
// socket) for an online backup, or opens the data directory itself when no server runs; restore
// works only with the server stopped and replaces its directories once the backup checked out.

import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from './config-types.js';
import { answers, callControlSocket, controlSocketPath } from './control-socket.js';
import { progressView, humanBytes, type ProgressOutput } from './transfer-progress.js';
import { BackupError } from '../core/services/backup-manifest.js';
import { assertNotServing, restoreBackup } from '../core/services/restore.js';

export interface TransferIo extends ProgressOutput {
  readonly stderr: NodeJS.WritableStream;
}

export interface BackupCommandOptions {
  readonly output: string;
  readonly db?: string | undefined;
}

/** Exit code: 0 done, 1 failed (the message says why). */
export async function runBackup(config: Config, options: BackupCommandOptions, io: TransferIo): Promise<number> {
  const output = resolve(options.output);
  const existing = await readdir(output).catch(() => [] as string[]);
  if (existing.length > 0) return fail(io, `backup: output directory ${output} is not empty; back up into a new or empty directory`);
  const view = progressView(io);
  try {
    const socket = controlSocketPath(config.storage.dataDir);
    if (await answers(socket)) {
      for await (const answer of callControlSocket(socket, { op: 'backup', output, ...(options.db !== undefined ? { database: options.db } : {}) })) {
        if ('progress' in answer) view.update(answer.progress);
        else if ('error' in answer) {
          view.stop();
          return fail(io, answer.error);
        } else {
          view.stop();
          io.stdout.write(`backup of the running server written to ${output}: ${answer.done.files} files, ${humanBytes(answer.done.bytes)} (WAL through ${answer.done.walLastSeq})\n`);
          return 0;
        }
      }
      view.stop();
      return fail(io, 'backup: the server closed the connection before the backup finished (see its log)');
    }
    // No server answers: the data directory is read here, unless a server holds it anyway.
    await assertNotServing({ dataDir: config.storage.dataDir, walDir: config.storage.walDir, metaDir: config.storage.metaDir, chdbDir: config.storage.chdbDir }).catch(() => {
      throw new BackupError(`backup: a server holds ${config.storage.dataDir} but does not answer on ${socket}`);
    });
    // Loaded only here: a backup through the server or a restore never loads the storage engine.
    const [{ openEngine }, { engineOptionsFromConfig }, { default: pino }, { Registry }] = await Promise.all([import('../core/index.js'), import('./serve.js'), import('pino'), import('prom-client')]);
    const engineOptions = engineOptionsFromConfig(config);
    const engine = await openEngine(
      { ...engineOptions, retention: { enabled: false, intervalMs: 60_000 }, continuousQueries: { enabled: false, runIntervalMs: 10_000 } },
      { log: pino({ level: 'warn' }, process.stderr), registry: new Registry() },
    );
    try {
      const manifest = await engine.backup({ outputDir: output, ...(options.db !== undefined ? { database: options.db } : {}) }, (p) => view.update(p));
      view.stop();
      io.stdout.write(`backup of ${config.storage.dataDir} (no server running) written to ${output}: ${manifest.files.length} files, ${humanBytes(manifest.total_bytes)}\n`);
      return 0;
    } finally {
      await engine.close();
    }
  } catch (error) {
    view.stop();
    return fail(io, error instanceof Error ? error.message : String(error));
  }
}

export async function runRestore(config: Config, options: { readonly input: string }, io: TransferIo): Promise<number> {
  const input = resolve(options.input);
  const socket = controlSocketPath(config.storage.dataDir);
  if (await answers(socket)) return fail(io, `restore: a server is running on ${config.storage.dataDir}; stop it before restoring`);
  const view = progressView(io);
  try {
    const outcome = await restoreBackup(input, { dataDir: config.storage.dataDir, walDir: config.storage.walDir, metaDir: config.storage.metaDir, chdbDir: config.storage.chdbDir }, (p) => view.update(p));
    view.stop();
    io.stdout.write(`restored ${input} (taken ${outcome.manifest.timestamp}, ${outcome.manifest.files.length} files) into ${config.storage.dataDir}\n`);
    if (outcome.raftMovedTo !== null) {
      // Without seeds it would bootstrap from cluster.peers with an empty log, which its cluster cannot take back.
      const how = config.cluster.join.length > 0 ? `start it as before: it rejoins through its seeds (${config.cluster.join.join(', ')})` : 'start it with --join <member> (or cluster.join) to rejoin its cluster';
      io.stdout.write(`this node's Raft state was moved to ${outcome.raftMovedTo}: ${how}; it catches up through sync\n`);
    }
    return 0;
  } catch (error) {
    view.stop();
    return fail(io, error instanceof Error ? error.message : String(error));
  }
}

function fail(io: TransferIo, message: string): number {
  io.stderr.write(`hyperbytedb: ${message}\n`);
  return 1;
}
