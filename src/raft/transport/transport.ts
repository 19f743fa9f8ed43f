// Port: how the Raft driver exchanges messages with peers. Delivery is best effort; Raft tolerates loss.
// send() must never block or throw: a full queue or a dead peer turns into onUnreachable.

import type { Message, NodeId } from '../core/types.js';

export interface PeerAddress {
  readonly id: NodeId;
  /** "host:port" ("[::1]:7000" for IPv6). */
  readonly address: string;
}

export interface TransportHandlers {
  /** A message from an authenticated peer, addressed to this node. */
  onMessage(message: Message): void;
  /** A message to `peer` was dropped (queue full, connection lost, unknown peer); `dropped` is null for a batch. */
  onUnreachable(peer: NodeId, dropped: Message | null): void;
}

export interface PeerStats {
  readonly connected: boolean;
  readonly queued: number;
  readonly sent: number;
  readonly dropped: number;
}

export interface Transport {
  readonly name: string;
  readonly id: NodeId;
  /** Must be called once before start(). */
  bind(handlers: TransportHandlers): void;
  /** Idempotent. */
  start(): Promise<void>;
  /** Idempotent; a second call joins the first. */
  stop(): Promise<void>;
  addPeer(peer: PeerAddress): void;
  removePeer(id: NodeId): void;
  send(message: Message): void;
  peerStats(): Readonly<Record<NodeId, PeerStats>>;
}

/** Splits "host:port" / "[v6]:port". */
export function parseAddress(address: string): { readonly host: string; readonly port: number } {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(address);
  const port = Number(match?.[2]);
  if (!match || !match[1] || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RangeError(`bad peer address "${address}" (want host:port)`);
  }
  return { host: match[1], port };
}
