// `npm run cluster`: a three-node cluster on this machine, one OS process per node (HTTP 8086-8088,
// Raft 8089-8091, data under ./data/node-1 … node-3), logs prefixed per node. Ctrl+C stops all
// three gracefully. A node killed can be started again with the command line it prints.
//   CLUSTER_NODES=3 CLUSTER_HTTP_BASE=8086 CLUSTER_RAFT_BASE=8089 CLUSTER_DATA=./data npm run cluster
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const count = Number(process.env.CLUSTER_NODES ?? 3);
const httpBase = Number(process.env.CLUSTER_HTTP_BASE ?? 8086);
const raftBase = Number(process.env.CLUSTER_RAFT_BASE ?? 8089);
const dataRoot = resolve(process.env.CLUSTER_DATA ?? './data');
const host = process.env.CLUSTER_HOST ?? '127.0.0.1';
const secret = process.env.HYPERBYTEDB__CLUSTER__SECRET || randomBytes(24).toString('hex');
if (!process.env.HYPERBYTEDB__CLUSTER__SECRET) process.stdout.write('cluster: no HYPERBYTEDB__CLUSTER__SECRET set; generated one for this run\n');

const ids = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
const peers = ids.map((id, i) => `${id}=${host}:${raftBase + i}`).join(',');
const children = new Map();
let stopping = false;

function start(index) {
  const id = ids[index];
  const dataDir = join(dataRoot, id);
  mkdirSync(dataDir, { recursive: true });
  const env = {
    ...process.env,
    HYPERBYTEDB__CLUSTER__NODE_ID: id,
    HYPERBYTEDB__CLUSTER__PEERS: peers,
    HYPERBYTEDB__CLUSTER__RAFT_PORT: String(raftBase + index),
    HYPERBYTEDB__CLUSTER__SECRET: secret,
    // A node whose data directory was wiped joins again through the others.
    HYPERBYTEDB__CLUSTER__JOIN: ids.filter((other) => other !== id).map((_, j) => `${host}:${httpBase + ids.indexOf(ids.filter((o) => o !== id)[j])}`).join(','),
  };
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(httpBase + index), '--bind', host, '--data-dir', dataDir];
  // Each node in its own process group: ctrl+c in a terminal signals the whole foreground group,
  // and a node that got SIGINT from the terminal and then SIGTERM from stopAll took the second
  // signal as "exit without the final flush". The nodes hear only this script.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = `[${id}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(id);
    process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
    if (!stopping) {
      process.stdout.write(`${prefix}start it again with: HYPERBYTEDB__CLUSTER__NODE_ID=${id} HYPERBYTEDB__CLUSTER__PEERS=${peers} HYPERBYTEDB__CLUSTER__RAFT_PORT=${raftBase + index} HYPERBYTEDB__CLUSTER__SECRET=<secret> node --import tsx src/cli/main.ts serve --port ${httpBase + index} --bind ${host} --data-dir ${dataDir}\n`);
    }
    if (stopping && children.size === 0) process.exit(0);
  });
  children.set(id, child);
}

for (let i = 0; i < count; i++) start(i);
process.stdout.write(`cluster: ${count} nodes, HTTP ${ids.map((_, i) => `${host}:${httpBase + i}`).join(' ')}; inspect with curl http://${host}:${httpBase}/cluster/nodes; ctrl+c stops all\n`);

function stopAll(signal) {
  if (stopping) {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  process.stdout.write(`cluster: ${signal}: stopping every node (final flush each)\n`);
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(0);
}
process.on('SIGINT', () => stopAll('SIGINT'));
// Nodes outside this script's process group would outlive it if it ended some other way.
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});
process.on('SIGTERM', () => stopAll('SIGTERM'));
