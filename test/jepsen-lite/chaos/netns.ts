// A private network for one chaos run: a switch namespace holding a bridge, one namespace per node
// joined to it by a veth pair, 10.77.x.y addresses that exist only inside those namespaces.
// Never adds an address, link or rule to the host's namespace; removes only namespaces it owns.
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { CommandError, run, runSyncQuiet } from './command.js';
import { onExit } from './exit-hooks.js';
import { CHAOS_CHAIN } from './grudge.js';

/** Every namespace the harness creates starts with this, followed by the owner's pid. */
export const NETNS_PREFIX = 'hbj-';
const SWITCH = 'sw';
const BRIDGE = 'br0';

export interface Availability {
  readonly available: boolean;
  readonly reason: string;
}

function onPath(tool: string): boolean {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try {
      accessSync(`${dir}/${tool}`, constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Root, `ip`, `iptables` and `nsenter`, and the right to create a namespace; otherwise the reason to skip. */
export async function netnsAvailability(): Promise<Availability> {
  if (process.getuid?.() !== 0) return { available: false, reason: 'network namespaces need root' };
  for (const [tool, pkg] of [['ip', 'iproute2'], ['iptables', 'iptables'], ['nsenter', 'util-linux']] as const) {
    if (!onPath(tool)) return { available: false, reason: `${tool} is not installed (apt-get install ${pkg})` };
  }
  const probe = `${NETNS_PREFIX}${process.pid}-probe${randomBytes(2).toString('hex')}`;
  try {
    await run(['ip', 'netns', 'add', probe]);
    await run(['nsenter', `--net=/run/netns/${probe}`, '--', 'iptables', '-S']);
    return { available: true, reason: '' };
  } catch (error) {
    return { available: false, reason: `cannot use network namespaces: ${(error as Error).message}` };
  } finally {
    await run(['ip', 'netns', 'del', probe]).catch(() => undefined);
  }
}

function ownerPid(ns: string): number | null {
  const match = /^hbj-(\d+)-/.exec(ns);
  return match ? Number(match[1]) : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function listNamespaces(): Promise<string[]> {
  const out = await run(['ip', 'netns', 'list']);
  return out.split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name !== '');
}

/** Kills what runs in a namespace (processes of a dead harness run) and deletes the namespace. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = (await run(['ip', 'netns', 'pids', ns]).catch(() => '')).split('\n').map(Number).filter((p) => p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await run(['ip', 'netns', 'del', ns]);
}

/** Removes namespaces left by harness runs whose owner process is dead; live runs are untouched. */
export async function removeLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of await listNamespaces()) {
    const pid = ownerPid(ns);
    if (!ns.startsWith(NETNS_PREFIX) || pid === null || alive(pid)) continue;
    await removeNamespace(ns).then(() => removed.push(ns), () => undefined);
  }
  return removed;
}

export interface NetnsNetworkOptions {
  readonly nodes: readonly string[];
  /** Third octet of 10.77.x.0/24; random when absent (runs are isolated, so a clash is harmless). */
  readonly subnet?: number;
}

export class NetnsNetwork {
  private destroyed: Promise<void> | undefined;
  private readonly unregister: () => void;

  private constructor(
    readonly prefix: string,
    readonly nodes: readonly string[],
    readonly subnet: number,
    private readonly created: string[],
  ) {
    this.unregister = onExit(() => {
      for (const ns of [...this.created].reverse()) {
        const pids = (runSyncQuiet(['ip', 'netns', 'pids', ns]) ?? '').split('\n').map(Number).filter((p) => p > 0);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        runSyncQuiet(['ip', 'netns', 'del', ns]);
      }
    });
  }

  static async create(options: NetnsNetworkOptions): Promise<NetnsNetwork> {
    if (options.nodes.length === 0 || options.nodes.length > 200) throw new Error('a network needs 1 to 200 nodes');
    const prefix = `${NETNS_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;
    const subnet = options.subnet ?? 1 + (randomBytes(1)[0]! % 250);
    const network = new NetnsNetwork(prefix, options.nodes, subnet, []);
    try {
      await network.build();
    } catch (error) {
      await network.destroy();
      throw error;
    }
    return network;
  }

  get switchNs(): string {
    return `${this.prefix}-${SWITCH}`;
  }

  /** Address of the switch namespace, where the client gateway runs. */
  get clientAddress(): string {
    return `10.77.${this.subnet}.254`;
  }

  nsOf(node: string): string {
    if (!this.nodes.includes(node)) throw new Error(`no node ${node} in ${this.prefix}`);
    return `${this.prefix}-${node}`;
  }

  addressOf(node: string): string {
    const index = this.nodes.indexOf(node);
    if (index < 0) throw new Error(`no node ${node} in ${this.prefix}`);
    return `10.77.${this.subnet}.${index + 1}`;
  }

  /**
   * argv that runs `argv` inside the node's (or the switch's) network namespace. nsenter execs, so
   * the pid is the program's own; unlike `ip netns exec` it leaves the mount namespace alone, so
   * /sys/fs/cgroup stays visible (chDB reads its memory limit there).
   */
  execArgv(where: string, argv: readonly string[]): string[] {
    const ns = where === SWITCH ? this.switchNs : this.nsOf(where);
    return ['nsenter', `--net=/run/netns/${ns}`, '--', ...argv];
  }

  execInSwitch(argv: readonly string[]): string[] {
    return this.execArgv(SWITCH, argv);
  }

  async iptables(node: string, args: readonly string[]): Promise<string> {
    return run(this.execArgv(node, ['iptables', '-w', '5', ...args]));
  }

  /** Empties the harness chain in one node namespace (heal). */
  async flushChaosChain(node: string): Promise<void> {
    await this.iptables(node, ['-F', CHAOS_CHAIN]);
  }

  /** The rules currently in the harness chain of a node, as `iptables -S` prints them. */
  async chaosRules(node: string): Promise<string[]> {
    const out = await this.iptables(node, ['-S', CHAOS_CHAIN]);
    return out.split('\n').filter((line) => line.startsWith('-A '));
  }

  private async add(ns: string): Promise<void> {
    await run(['ip', 'netns', 'add', ns]);
    this.created.push(ns);
    await run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }

  private async build(): Promise<void> {
    const sw = this.switchNs;
    await this.add(sw);
    await run(['ip', '-n', sw, 'link', 'add', BRIDGE, 'type', 'bridge']);
    await run(['ip', '-n', sw, 'addr', 'add', `${this.clientAddress}/24`, 'dev', BRIDGE]);
    await run(['ip', '-n', sw, 'link', 'set', BRIDGE, 'up']);
    for (const [i, node] of this.nodes.entries()) {
      const ns = this.nsOf(node);
      await this.add(ns);
      // Both veth ends are created directly inside their namespaces: nothing touches the host's.
      const port = `p${i + 1}`;
      await run(['ip', '-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run(['ip', '-n', sw, 'link', 'set', port, 'master', BRIDGE]);
      await run(['ip', '-n', sw, 'link', 'set', port, 'up']);
      await run(['ip', '-n', ns, 'addr', 'add', `${this.addressOf(node)}/24`, 'dev', 'eth0']);
      await run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      await this.iptables(node, ['-N', CHAOS_CHAIN]);
      await this.iptables(node, ['-I', 'INPUT', '-j', CHAOS_CHAIN]);
      await this.iptables(node, ['-I', 'OUTPUT', '-j', CHAOS_CHAIN]);
    }
  }

  /** Kills anything still running in the namespaces and deletes them. Idempotent. */
  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      const errors: string[] = [];
      for (const ns of [...this.created].reverse()) {
        await removeNamespace(ns).catch((error: unknown) => errors.push((error as CommandError).message));
      }
      this.created.length = 0;
      this.unregister();
      if (errors.length > 0) throw new Error(`netns teardown: ${errors.join('; ')}`);
    })();
    return this.destroyed;
  }
}
