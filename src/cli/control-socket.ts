// The local control socket of a running server: a Unix socket in its data directory (mode 0600,
// so only the user running the server can use it) through which `hyperbytedb backup` asks the
// running engine for an online backup. One JSON request per connection; JSON lines answer it.

import { createHash } from 'node:crypto';
import { chmod, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Engine } from '../core/index.js';
import type { TransferProgress } from '../core/services/backup-manifest.js';

/** Unix socket paths are limited to about 107 bytes; a deep data directory gets one in tmpdir. */
export function controlSocketPath(dataDir: string): string {
  const inside = join(resolve(dataDir), 'hyperbytedb.sock');
  if (Buffer.byteLength(inside) <= 100) return inside;
  return join(tmpdir(), `hyperbytedb-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
}

export interface BackupCall {
  readonly op: 'backup';
  readonly output: string;
  readonly database?: string;
}

export type ControlAnswer = { readonly progress: TransferProgress } | { readonly done: { readonly files: number; readonly bytes: number; readonly walLastSeq: number } } | { readonly error: string };

const MAX_REQUEST_BYTES = 64 * 1024;

export interface ControlSocket {
  close(): Promise<void>;
}

/** Listens on the data directory's control socket (a stale one, left by a crash, is replaced). */
export async function startControlSocket(options: { readonly dataDir: string; readonly engine: Engine; readonly log: Logger }): Promise<ControlSocket> {
  const path = controlSocketPath(options.dataDir);
  if (await answers(path)) throw new Error(`another server answers on ${path}`);
  await unlink(path).catch(() => undefined);
  let busy = false;
  const connections = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    let request = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      request += chunk;
      if (request.length > MAX_REQUEST_BYTES) socket.destroy();
      const end = request.indexOf('\n');
      if (end < 0) return;
      socket.removeAllListeners('data');
      void serveRequest(request.slice(0, end), socket);
    });
  });
  async function serveRequest(line: string, socket: Socket): Promise<void> {
    const send = (answer: ControlAnswer): void => void socket.write(JSON.stringify(answer) + '\n');
    let call: BackupCall;
    try {
      call = JSON.parse(line) as BackupCall;
      if (call.op !== 'backup' || typeof call.output !== 'string') throw new Error('unknown request');
    } catch {
      send({ error: 'control socket: unknown request' });
      socket.end();
      return;
    }
    if (busy) {
      send({ error: 'backup: another backup is running on this server' });
      socket.end();
      return;
    }
    busy = true;
    options.log.info({ output: call.output, database: call.database ?? null }, 'backup started');
    let last = 0;
    try {
      const manifest = await options.engine.backup({ outputDir: call.output, ...(call.database !== undefined ? { database: call.database } : {}) }, (progress) => {
        const now = Date.now();
        if (progress.phase !== 'copy' || now - last >= 200) {
          last = now;
          send({ progress });
        }
      });
      options.log.info({ output: call.output, files: manifest.files.length, bytes: manifest.total_bytes }, 'backup done');
      send({ done: { files: manifest.files.length, bytes: manifest.total_bytes, walLastSeq: manifest.wal_last_seq } });
    } catch (error) {
      options.log.error({ err: error, output: call.output }, 'backup failed');
      send({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      busy = false;
      socket.end();
    }
  }
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolvePromise());
  });
  await chmod(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        // close() waits for every connection to end: a client that never closes its side must
        // not hold the server's shutdown (a backup still running fails for its client).
        for (const socket of connections) socket.destroy();
        void unlink(path).catch(() => undefined);
      }),
  };
}

/** Whether a server answers on the socket (a connection succeeds). */
export function answers(path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => resolvePromise(false));
  });
}

/** Sends one request and yields each JSON answer line until the server closes the connection. */
export async function* callControlSocket(path: string, call: BackupCall): AsyncGenerator<ControlAnswer> {
  const socket = createConnection(path);
  await new Promise<void>((resolvePromise, reject) => {
    socket.once('connect', () => resolvePromise());
    socket.once('error', reject);
  });
  socket.write(JSON.stringify(call) + '\n');
  socket.setEncoding('utf8');
  let buffered = '';
  for await (const chunk of socket as AsyncIterable<string>) {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      yield JSON.parse(buffered.slice(0, end)) as ControlAnswer;
      buffered = buffered.slice(end + 1);
    }
  }
}
