// Harness side of the client gateway: starts gateway-process.ts inside the switch namespace and
// hands out one Unix socket per node, through which every HTTP request of the harness travels.
// The harness never opens a TCP connection to a 10.77.x.y address from the host namespace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayConfig, GatewayRoute } from './gateway-process.js';
import type { NetnsNetwork } from './netns.js';
import { NodeProcess } from './node-process.js';

const GATEWAY_ENTRY = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));

export interface GatewayOptions {
  readonly network: NetnsNetwork;
  /** The TCP port each node listens on (inside its own namespace). */
  readonly port: number;
  readonly logPath: string;
  readonly connectTimeoutMs?: number;
  readonly maxConnections?: number;
}

export class Gateway {
  private constructor(
    private readonly process: NodeProcess,
    private readonly dir: string,
    private readonly sockets: ReadonlyMap<string, string>,
  ) {}

  static async start(options: GatewayOptions): Promise<Gateway> {
    const dir = mkdtempSync(join(tmpdir(), 'hbj-gw-'));
    const routes: GatewayRoute[] = options.network.nodes.map((node) => ({
      socketPath: join(dir, `${node}.sock`), host: options.network.addressOf(node), port: options.port,
    }));
    const config: GatewayConfig = {
      routes, connectTimeoutMs: options.connectTimeoutMs ?? 2_000, maxConnections: options.maxConnections ?? 512,
    };
    const child = new NodeProcess({
      id: 'gateway',
      argv: options.network.execInSwitch([process.execPath, '--import', 'tsx', GATEWAY_ENTRY, JSON.stringify(config)]),
      logPath: options.logPath,
      ipc: true,
      readyTimeoutMs: 30_000,
      ready: (proc) => new Promise<void>((resolve) => {
        proc.handle?.on('message', (message: { event?: string }) => {
          if (message.event === 'ready') resolve();
        });
      }),
    });
    try {
      await child.start();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new Gateway(child, dir, new Map(routes.map((r, i) => [options.network.nodes[i]!, r.socketPath])));
  }

  socketPathOf(node: string): string {
    const path = this.sockets.get(node);
    if (path === undefined) throw new Error(`the gateway has no route to ${node}`);
    return path;
  }

  get alive(): boolean {
    return this.process.alive;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
