// Child process that runs inside the switch namespace and relays Unix-socket connections from the
// harness to node addresses (10.77.x.y:port). Lets a harness in the host namespace reach the nodes
// without any host address or route. It never interprets traffic, except one thing: when it cannot
// connect upstream it answers 502 with `x-chaos-gateway: connect-failed` before a single byte was
// relayed, so the client knows the request never reached the node.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

export interface GatewayRoute {
  readonly socketPath: string;
  readonly host: string;
  readonly port: number;
}

export interface GatewayConfig {
  readonly routes: readonly GatewayRoute[];
  readonly connectTimeoutMs: number;
  /** Open client connections at most (each holds one upstream connection). */
  readonly maxConnections: number;
}

const CONNECT_FAILED = 'HTTP/1.1 502 Bad Gateway\r\nx-chaos-gateway: connect-failed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';

function relay(client: Socket, route: GatewayRoute, connectTimeoutMs: number): void {
  const pending: Buffer[] = [];
  const hold = (chunk: Buffer): void => {
    pending.push(chunk);
  };
  client.on('data', hold);
  const upstream = connect({ host: route.host, port: route.port });
  client.on('error', () => upstream.destroy());
  let connected = false;
  const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), connectTimeoutMs);
  upstream.once('connect', () => {
    connected = true;
    clearTimeout(timer);
    client.off('data', hold);
    for (const chunk of pending) upstream.write(chunk);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', () => {
    clearTimeout(timer);
    if (connected) client.destroy();
    else client.end(CONNECT_FAILED);
  });
  upstream.on('close', () => {
    if (connected) client.destroy();
  });
  client.on('close', () => upstream.destroy());
}

function main(): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as GatewayConfig;
  const servers: Server[] = [];
  let open = 0;
  for (const route of config.routes) {
    rmSync(route.socketPath, { force: true });
    const server = createServer((client) => {
      if (open >= config.maxConnections) {
        client.destroy();
        return;
      }
      open++;
      client.once('close', () => open--);
      relay(client, route, config.connectTimeoutMs);
    });
    servers.push(server);
    server.listen(route.socketPath);
  }
  Promise.all(servers.map((s) => new Promise((resolve) => s.once('listening', resolve)))).then(
    () => process.send?.({ event: 'ready' }),
    () => process.exit(1),
  );
  // The harness owns this process: when it goes away, so does the gateway.
  process.on('disconnect', () => process.exit(0));
}

main();
