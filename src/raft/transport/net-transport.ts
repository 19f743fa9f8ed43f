// TCP transport (node:net): one persistent authenticated outbound connection per peer, bounded send queues.
// Never blocks the driver and never trusts a frame before the HMAC handshake; a wrong secret or version is refused.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Message, NodeId } from '../core/types.js';
import { silentLogger, type RaftLogger } from '../logger.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, FrameTooLargeError, decodePayload, encodeFrame } from './frame-codec.js';
import type { RaftError } from '../errors.js';
import { AuthError, ProtocolVersionError, TransportError } from './transport-errors.js';
import { parseAddress, type PeerAddress, type PeerStats, type Transport, type TransportHandlers } from './transport.js';

export const PROTOCOL_VERSION = 1;

export interface NetTransportOptions {
  readonly id: NodeId;
  /** Listen address; port 0 picks a free port (see listenAddress()). */
  readonly host: string;
  readonly port: number;
  /** Shared by every member; proven with HMAC-SHA256 over fresh nonces, never sent. */
  readonly clusterSecret: string | Uint8Array;
  readonly peers?: readonly PeerAddress[];
  readonly maxFrameBytes?: number;
  /** Messages queued per peer before new ones are dropped and reported unreachable. */
  readonly sendQueueMax?: number;
  /** Estimated payload bytes queued per peer (entries, snapshot chunks) before new messages are dropped. */
  readonly sendQueueMaxBytes?: number;
  /** Inbound connections held at once (authenticated or not); more are closed on accept. */
  readonly maxInboundConnections?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly logger?: RaftLogger;
  /** Uniform [0,1) source for backoff jitter. */
  readonly random?: () => number;
  /** Wire protocol version spoken; only for tests of version negotiation. */
  readonly protocolVersion?: number;
}

export const defaultNetTransportOptions = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  sendQueueMax: 4096,
  sendQueueMaxBytes: 64 * 1024 * 1024,
  maxInboundConnections: 256,
  reconnectInitialMs: 50,
  reconnectMaxMs: 2000,
  handshakeTimeoutMs: 5000,
} as const;

export interface NetTransportEvents {
  /** A handshake or connection failure: AuthError, ProtocolVersionError or TransportError. */
  'peer-error': [error: RaftError, peer: NodeId | null];
  'peer-connected': [peer: NodeId];
  'peer-disconnected': [peer: NodeId];
}

type HandshakeFrame =
  | { t: 'hello'; v: number; from: string; to: string; nonce: Buffer }
  | { t: 'challenge'; v: number; nonce: Buffer; proof: Buffer }
  | { t: 'auth'; proof: Buffer }
  | { t: 'ok' }
  | { t: 'reject'; code: 'protocol-version' | 'auth' | 'wrong-node'; v: number; message: string };

function asHandshake(value: unknown): HandshakeFrame | null {
  if (typeof value !== 'object' || value === null || typeof (value as { t?: unknown }).t !== 'string') return null;
  return value as HandshakeFrame;
}

function proof(secret: Buffer, role: 'server' | 'client', clientNonce: Buffer, serverNonce: Buffer, from: string, to: string): Buffer {
  return createHmac('sha256', secret)
    .update(`hyperbytedb-raft|${role}|${from}|${to}|`)
    .update(clientNonce).update(serverNonce)
    .digest();
}

function proofMatches(expected: Buffer, received: unknown): boolean {
  return Buffer.isBuffer(received) && received.length === expected.length && timingSafeEqual(received, expected);
}

interface Settings {
  readonly maxFrameBytes: number;
  readonly sendQueueMax: number;
  readonly sendQueueMaxBytes: number;
  readonly maxInboundConnections: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly handshakeTimeoutMs: number;
  readonly version: number;
}

export class NetTransport extends EventEmitter<NetTransportEvents> implements Transport {
  readonly name = 'raft-net-transport';
  readonly id: NodeId;
  private readonly settings: Settings;
  private readonly secret: Buffer;
  private readonly log: RaftLogger;
  private readonly random: () => number;
  private handlers: TransportHandlers | null = null;
  private readonly peers = new Map<NodeId, OutboundPeer>();
  private readonly inbound = new Set<Socket>();
  private server: Server | null = null;
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private bound: { host: string; port: number } | null = null;

  constructor(private readonly options: NetTransportOptions) {
    super();
    this.id = options.id;
    this.settings = {
      maxFrameBytes: options.maxFrameBytes ?? defaultNetTransportOptions.maxFrameBytes,
      sendQueueMax: options.sendQueueMax ?? defaultNetTransportOptions.sendQueueMax,
      sendQueueMaxBytes: options.sendQueueMaxBytes ?? defaultNetTransportOptions.sendQueueMaxBytes,
      maxInboundConnections: options.maxInboundConnections ?? defaultNetTransportOptions.maxInboundConnections,
      reconnectInitialMs: options.reconnectInitialMs ?? defaultNetTransportOptions.reconnectInitialMs,
      reconnectMaxMs: options.reconnectMaxMs ?? defaultNetTransportOptions.reconnectMaxMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? defaultNetTransportOptions.handshakeTimeoutMs,
      version: options.protocolVersion ?? PROTOCOL_VERSION,
    };
    if (this.settings.sendQueueMax < 1 || this.settings.sendQueueMaxBytes < 1) throw new RangeError('send queue limits must be >= 1');
    if (this.settings.maxInboundConnections < 1) throw new RangeError('maxInboundConnections must be >= 1');
    if (this.settings.maxFrameBytes < 1024) throw new RangeError('maxFrameBytes must be >= 1024');
    if (this.settings.reconnectInitialMs <= 0 || this.settings.reconnectMaxMs < this.settings.reconnectInitialMs) {
      throw new RangeError('need 0 < reconnectInitialMs <= reconnectMaxMs');
    }
    this.secret = Buffer.from(options.clusterSecret);
    if (this.secret.length === 0) throw new RangeError('clusterSecret must not be empty');
    this.log = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
  }

  bind(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  /** The bound listen address, after start(). */
  listenAddress(): { readonly host: string; readonly port: number } {
    if (!this.bound) throw new Error('NetTransport: not started');
    return this.bound;
  }

  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('NetTransport: stopped'));
    this.starting ??= this.listen();
    return this.starting;
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error({ err: error }, 'raft transport server error'));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('NetTransport: unexpected listen address');
    this.bound = { host: address.address, port: address.port };
    for (const peer of this.options.peers ?? []) this.addPeer(peer);
    for (const peer of this.peers.values()) peer.connect();
    this.log.info({ host: address.address, port: address.port }, 'raft transport listening');
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      for (const peer of this.peers.values()) peer.close();
      this.peers.clear();
      for (const socket of this.inbound) socket.destroy();
      this.inbound.clear();
      const server = this.server;
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return this.stopping;
  }

  addPeer(peer: PeerAddress): void {
    if (peer.id === this.id) return;
    const existing = this.peers.get(peer.id);
    if (existing?.address === peer.address) return;
    existing?.close();
    const { host, port } = parseAddress(peer.address);
    const outbound = new OutboundPeer(this, peer.id, peer.address, host, port);
    this.peers.set(peer.id, outbound);
    if (this.bound && !this.stopping) outbound.connect();
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  send(message: Message): void {
    const peer = this.peers.get(message.to);
    if (!peer || this.stopping) {
      this.unreachable(message.to, message);
      return;
    }
    peer.enqueue(message);
  }

  peerStats(): Readonly<Record<NodeId, PeerStats>> {
    const stats: Record<NodeId, PeerStats> = {};
    for (const [id, peer] of this.peers) stats[id] = peer.stats();
    return stats;
  }

  /** @internal */
  unreachable(peer: NodeId, dropped: Message | null): void {
    this.handlers?.onUnreachable(peer, dropped);
  }

  /** @internal */
  report(error: RaftError, peer: NodeId | null): void {
    this.log.warn({ peer, code: error.code, err: error.message }, error.name);
    if (this.listenerCount('peer-error') > 0) this.emit('peer-error', error, peer);
  }

  /** @internal */
  get config(): Settings {
    return this.settings;
  }

  /** @internal */
  proofFor(role: 'server' | 'client', clientNonce: Buffer, serverNonce: Buffer, from: string, to: string): Buffer {
    return proof(this.secret, role, clientNonce, serverNonce, from, to);
  }

  /** @internal */
  backoffMs(attempt: number): number {
    const ceiling = Math.min(this.settings.reconnectMaxMs, this.settings.reconnectInitialMs * 2 ** Math.min(attempt, 20));
    return ceiling / 2 + this.random() * (ceiling / 2);
  }

  /** @internal */
  get logger(): RaftLogger {
    return this.log;
  }

  /** @internal */
  get isStopping(): boolean {
    return this.stopping !== null;
  }

  /** @internal */
  connected(peer: NodeId, up: boolean): void {
    this.log.debug({ peer, up }, 'raft peer connection');
    this.emit(up ? 'peer-connected' : 'peer-disconnected', peer);
  }

  private accept(socket: Socket): void {
    if (this.stopping || this.inbound.size >= this.settings.maxInboundConnections) {
      if (!this.stopping) this.report(new TransportError(`refused a connection from ${socket.remoteAddress ?? '?'}: ${this.inbound.size} inbound connections open`), null);
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    const decoder = new FrameDecoder(this.settings.maxFrameBytes);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let state: 'hello' | 'auth' | 'open' = 'hello';
    let from = '';
    let clientNonce: Buffer = Buffer.alloc(0);
    const serverNonce = randomBytes(16);
    const timer = setTimeout(() => {
      this.report(new TransportError(`handshake from ${remote} timed out`), from || null);
      socket.destroy();
    }, this.settings.handshakeTimeoutMs);
    timer.unref();
    const reject = (code: 'protocol-version' | 'auth' | 'wrong-node', message: string): void => {
      socket.end(encodeFrame({ t: 'reject', code, v: this.settings.version, message }));
      state = 'hello';
      socket.destroySoon();
    };
    const onFrame = (payload: Buffer): boolean => {
      const value = decodePayload(payload);
      if (state === 'open') {
        const message = value as Message;
        if (message.from !== from || message.to !== this.id) {
          this.log.warn({ peer: from }, 'raft transport: dropped a misaddressed message');
          return true;
        }
        this.handlers?.onMessage(message);
        return true;
      }
      const frame = asHandshake(value);
      if (state === 'hello') {
        if (frame?.t !== 'hello' || typeof frame.v !== 'number') {
          reject('protocol-version', 'expected a hello frame');
          this.report(new TransportError(`${remote} sent no hello frame`), null);
          return false;
        }
        from = String(frame.from);
        if (frame.v !== this.settings.version) {
          const text = `peer ${from} (${remote}) speaks raft protocol version ${frame.v}, this node (${this.id}) speaks ${this.settings.version}; upgrade one of them`;
          reject('protocol-version', text);
          this.report(new ProtocolVersionError(frame.v, text), from);
          return false;
        }
        if (frame.to !== this.id) {
          reject('wrong-node', `this is node ${this.id}, not ${String(frame.to)}`);
          this.report(new TransportError(`peer ${from} dialled ${String(frame.to)} but reached ${this.id}`), from);
          return false;
        }
        clientNonce = Buffer.isBuffer(frame.nonce) ? frame.nonce : Buffer.alloc(0);
        const serverProof = this.proofFor('server', clientNonce, serverNonce, from, this.id);
        socket.write(encodeFrame({ t: 'challenge', v: this.settings.version, nonce: serverNonce, proof: serverProof }));
        state = 'auth';
        return true;
      }
      if (frame?.t !== 'auth' || !proofMatches(this.proofFor('client', clientNonce, serverNonce, from, this.id), frame.proof)) {
        reject('auth', 'cluster secret proof rejected');
        this.report(new AuthError(`peer ${from} (${remote}) failed to prove the cluster secret`), from);
        return false;
      }
      state = 'open';
      clearTimeout(timer);
      socket.write(encodeFrame({ t: 'ok' }));
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk)) if (!onFrame(payload)) return;
      } catch (error) {
        this.report(new TransportError(`inbound from ${from || remote}: ${(error as Error).message}`), from || null);
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      this.inbound.delete(socket);
    });
  }
}

/** One persistent outbound connection to a peer, with its bounded queue and reconnect loop. */
class OutboundPeer {
  private queue: Message[] = [];
  private queuedBytes = 0;
  private socket: Socket | null = null;
  private state: 'idle' | 'connecting' | 'open' | 'backoff' | 'closed' = 'idle';
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private blocked = false;
  private sent = 0;
  private dropped = 0;

  constructor(
    private readonly owner: NetTransport,
    readonly id: NodeId,
    readonly address: string,
    private readonly host: string,
    private readonly port: number,
  ) {}

  stats(): PeerStats {
    return { connected: this.state === 'open', queued: this.queue.length, sent: this.sent, dropped: this.dropped };
  }

  enqueue(message: Message): void {
    const bytes = estimateBytes(message);
    const config = this.owner.config;
    // In backoff the peer is known to be down: a message kept until the next attempt would reach a
    // restarted peer stale (an append the leader has since compacted, say), and the leader would
    // keep sending into the queue instead of probing. Drop it now and tell Raft, as a full queue does.
    if (this.state === 'closed' || this.state === 'backoff'
      || this.queue.length >= config.sendQueueMax || this.queuedBytes + bytes > config.sendQueueMaxBytes) {
      this.dropped++;
      this.owner.unreachable(this.id, message);
      return;
    }
    this.queue.push(message);
    this.queuedBytes += bytes;
    if (this.state === 'open' && !this.flushScheduled && !this.blocked) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  connect(): void {
    if (this.state !== 'idle' && this.state !== 'backoff') return;
    this.state = 'connecting';
    const socket = connect({ host: this.host, port: this.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    const decoder = new FrameDecoder(this.owner.config.maxFrameBytes);
    const clientNonce = randomBytes(16);
    let verified = false;
    let versionRejected = false;
    let authFailed = false;
    const timer = setTimeout(() => {
      this.owner.report(new TransportError(`handshake with ${this.id} (${this.address}) timed out`), this.id);
      socket.destroy();
    }, this.owner.config.handshakeTimeoutMs);
    timer.unref();
    socket.on('connect', () => {
      socket.write(encodeFrame({ t: 'hello', v: this.owner.config.version, from: this.owner.id, to: this.id, nonce: clientNonce }));
    });
    const onFrame = (value: unknown): void => {
      if (authFailed) return;
      const frame = asHandshake(value);
      if (frame?.t === 'reject') {
        const text = String(frame.message);
        if (frame.code === 'protocol-version') {
          versionRejected = true;
          this.owner.report(new ProtocolVersionError(Number(frame.v),
            `peer ${this.id} (${this.address}) speaks raft protocol version ${String(frame.v)}, this node (${this.owner.id}) speaks ${this.owner.config.version}: ${text}`), this.id);
        } else if (frame.code === 'auth') {
          this.owner.report(new AuthError(`peer ${this.id} (${this.address}) rejected our cluster secret proof`), this.id);
        } else {
          this.owner.report(new TransportError(`peer ${this.id} (${this.address}) refused the connection: ${text}`), this.id);
        }
        socket.destroy();
        return;
      }
      if (!verified) {
        if (frame?.t !== 'challenge' || !Buffer.isBuffer(frame.nonce)) throw new Error('expected a challenge frame');
        const expected = this.owner.proofFor('server', clientNonce, frame.nonce, this.owner.id, this.id);
        // Our proof reveals nothing about the secret, so send it even to a peer that failed its own:
        // the peer then logs the mismatch too, which is where an operator will look first.
        socket.write(encodeFrame({ t: 'auth', proof: this.owner.proofFor('client', clientNonce, frame.nonce, this.owner.id, this.id) }));
        if (!proofMatches(expected, frame.proof)) {
          this.owner.report(new AuthError(`peer ${this.id} (${this.address}) failed to prove the cluster secret`), this.id);
          socket.end();
          socket.destroySoon();
          authFailed = true;
          return;
        }
        verified = true;
        return;
      }
      if (frame?.t !== 'ok') throw new Error('expected an ok frame');
      clearTimeout(timer);
      this.state = 'open';
      this.attempt = 0;
      this.owner.connected(this.id, true);
      this.flush();
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const payload of decoder.push(chunk)) {
          if (socket.destroyed) return;
          onFrame(decodePayload(payload));
        }
      } catch (error) {
        this.owner.report(new TransportError(`outbound to ${this.id}: ${(error as Error).message}`), this.id);
        socket.destroy();
      }
    });
    socket.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    socket.on('error', (error) => this.owner.logger.debug({ peer: this.id, err: error.message }, 'raft peer socket error'));
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket !== socket) return;
      this.socket = null;
      const wasOpen = this.state === 'open';
      this.blocked = false;
      this.dropQueue();
      if (wasOpen) this.owner.connected(this.id, false);
      if (this.state === 'closed' || this.owner.isStopping) return;
      this.state = 'backoff';
      // A peer on another protocol version will not change soon: retry at the slowest rate.
      const delay = versionRejected ? this.owner.config.reconnectMaxMs : this.owner.backoffMs(this.attempt++);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connect();
      }, delay);
      this.retryTimer.unref();
    });
  }

  /** Messages queued for a dead connection are stale by the time it comes back; Raft will resend. */
  private dropQueue(): void {
    if (this.queue.length === 0) return;
    const queue = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.dropped += queue.length;
    for (const message of queue) if (message.type === 'snapshot') this.owner.unreachable(this.id, message);
    this.owner.unreachable(this.id, null);
  }

  private flush(): void {
    this.flushScheduled = false;
    const socket = this.socket;
    if (this.state !== 'open' || !socket || this.blocked || this.queue.length === 0) return;
    const queue = this.queue;
    let sentCount = 0;
    socket.cork();
    try {
      for (const message of queue) {
        sentCount++;
        let frame: Buffer;
        try {
          frame = encodeFrame(message, this.owner.config.maxFrameBytes);
        } catch (error) {
          if (!(error instanceof FrameTooLargeError)) throw error;
          this.dropped++;
          this.owner.logger.error({ peer: this.id, type: message.type, bytes: error.frameBytes }, 'raft message exceeds max frame size; dropped');
          this.owner.unreachable(this.id, message);
          continue;
        }
        this.sent++;
        if (!socket.write(frame)) {
          this.blocked = true;
          break;
        }
      }
    } finally {
      socket.uncork();
    }
    this.queue = sentCount === queue.length ? [] : queue.slice(sentCount);
    for (let i = 0; i < sentCount; i++) this.queuedBytes -= estimateBytes(queue[i]!);
  }

  close(): void {
    this.state = 'closed';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.queue = [];
    this.queuedBytes = 0;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }
}

/** Payload bytes a message will take on the wire, roughly: entry data and snapshot chunks dominate. */
function estimateBytes(message: Message): number {
  let bytes = 64 + (message.snapshotChunk?.byteLength ?? 0);
  for (const entry of message.entries ?? []) bytes += entry.data.byteLength + 24;
  return bytes;
}
