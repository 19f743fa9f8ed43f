// A tiny process for the harness's own real-process tests: inside a node namespace it runs a TCP
// echo server and, on request over IPC, probes a peer, reports its wall clock or burns CPU.
// It proves the nemeses on real sockets and processes before any database runs under them.
import { connect, createServer } from 'node:net';

export type AgentRequest =
  | { readonly op: 'probe'; readonly host: string; readonly port: number; readonly timeoutMs: number }
  | { readonly op: 'now' }
  | { readonly op: 'burn'; readonly ms: number };

export type ProbeResult = 'ok' | 'timeout' | 'refused' | 'unreachable' | 'error';

function probe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('connect', () => socket.write('x'));
    socket.once('data', () => done('ok'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      done(error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ENETUNREACH' || error.code === 'EHOSTUNREACH' ? 'unreachable' : 'error');
    });
  });
}

/** Spins for `ms` of wall time; returns the work done (a starved process does less). */
function burn(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  let rounds = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
    rounds++;
  }
  return x < 0 ? -1 : rounds;
}

function main(): void {
  const [host, port] = [process.argv[2] ?? '127.0.0.1', Number(process.argv[3] ?? 0)];
  const server = createServer((socket) => socket.on('data', (d) => socket.write(d)).on('error', () => undefined));
  server.listen(port, host, () => process.send?.({ event: 'ready' }));
  process.on('message', (raw: { id: number; request: AgentRequest }) => {
    const { id, request } = raw;
    const reply = (result: unknown): void => {
      process.send?.({ reply: id, result });
    };
    if (request.op === 'probe') void probe(request.host, request.port, request.timeoutMs).then(reply);
    else if (request.op === 'now') reply(Date.now());
    else reply(burn(request.ms));
  });
  process.on('disconnect', () => process.exit(0));
}

main();
