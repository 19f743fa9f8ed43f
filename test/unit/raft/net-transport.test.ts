// Tests for the TCP transport: frames, delivery, reconnect, bounded queue, secret and version handshake.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo } from 'node:net';
import type { Message } from '../../../src/raft/core/types.js';
import { FrameDecoder, FrameTooLargeError, decodePayload, encodeFrame } from '../../../src/raft/transport/frame-codec.js';
import { NetTransport, type NetTransportOptions } from '../../../src/raft/transport/net-transport.js';
import type { RaftError } from '../../../src/raft/errors.js';
import { AuthError, ProtocolVersionError } from '../../../src/raft/transport/transport-errors.js';
import { parseAddress } from '../../../src/raft/transport/transport.js';

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Harness {
  readonly transport: NetTransport;
  readonly received: Message[];
  readonly unreachable: string[];
  readonly errors: RaftError[];
  readonly address: string;
}

async function startNode(id: string, overrides: Partial<NetTransportOptions> = {}): Promise<Harness> {
  const transport = new NetTransport({ id, host: '127.0.0.1', port: 0, clusterSecret: 'test-secret', ...overrides });
  const received: Message[] = [];
  const unreachable: string[] = [];
  const errors: RaftError[] = [];
  transport.bind({ onMessage: (m) => received.push(m), onUnreachable: (peer) => unreachable.push(peer) });
  transport.on('peer-error', (error) => errors.push(error));
  await transport.start();
  const { port } = transport.listenAddress();
  return { transport, received, unreachable, errors, address: `127.0.0.1:${port}` };
}

function heartbeat(from: string, to: string, term: number): Message {
  return { type: 'heartbeat', from, to, term, commit: term };
}

describe('frame codec', () => {
  it('round-trips messages split at every byte boundary', () => {
    const message: Message = {
      type: 'append', from: 'a', to: 'b', term: 3, index: 7, logTerm: 2, commit: 6,
      entries: [{ term: 3, index: 8, type: 'normal', data: new Uint8Array([1, 2, 3]) }],
    };
    const frames = Buffer.concat([encodeFrame(message), encodeFrame(heartbeat('a', 'b', 1))]);
    for (let cut = 1; cut < frames.length; cut++) {
      const decoder = new FrameDecoder();
      const payloads = [...decoder.push(frames.subarray(0, cut)), ...decoder.push(frames.subarray(cut))];
      assert.equal(payloads.length, 2);
      const decoded = decodePayload(payloads[0]!) as Message;
      assert.equal(decoded.entries?.[0]?.index, 8);
      assert.deepEqual([...decoded.entries![0]!.data], [1, 2, 3]);
      assert.equal(decoder.bufferedBytes, 0);
    }
  });

  it('rejects an oversize frame from its header, before buffering it', () => {
    const decoder = new FrameDecoder(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1025, 0);
    assert.throws(() => decoder.push(header), FrameTooLargeError);
    assert.throws(() => decoder.push(Buffer.alloc(1)), FrameTooLargeError, 'a poisoned decoder stays poisoned');
    assert.throws(() => encodeFrame({ blob: Buffer.alloc(2048) }, 1024), FrameTooLargeError);
  });

  it('parses host:port and [v6]:port', () => {
    assert.deepEqual(parseAddress('127.0.0.1:7000'), { host: '127.0.0.1', port: 7000 });
    assert.deepEqual(parseAddress('[::1]:7001'), { host: '::1', port: 7001 });
    assert.throws(() => parseAddress('nohost'), RangeError);
  });
});

describe('NetTransport', () => {
  it('delivers messages both ways over authenticated connections', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    try {
      a.transport.addPeer({ id: 'b', address: b.address });
      b.transport.addPeer({ id: 'a', address: a.address });
      for (let term = 1; term <= 100; term++) a.transport.send(heartbeat('a', 'b', term));
      b.transport.send({ type: 'append-resp', from: 'b', to: 'a', term: 1, index: 5 });
      await waitFor('delivery', () => b.received.length === 100 && a.received.length === 1);
      assert.deepEqual(b.received.map((m) => m.term), Array.from({ length: 100 }, (_, i) => i + 1), 'in order');
      assert.equal(a.received[0]?.index, 5);
      assert.deepEqual(a.errors, []);
    } finally {
      await a.transport.stop();
      await b.transport.stop();
    }
  });

  /** `a` delivers one message to `b`, then `b` stops and `a` notices; `restart` brings `b` back on its port. */
  async function stoppedPeer(aOptions: Partial<NetTransportOptions>): Promise<{ a: Harness; restart: () => Promise<Harness>; stop: () => Promise<void> }> {
    const a = await startNode('a', aOptions);
    let b = await startNode('b');
    const port = b.transport.listenAddress().port;
    const stop = async (): Promise<void> => {
      await a.transport.stop();
      await b.transport.stop();
    };
    try {
      a.transport.addPeer({ id: 'b', address: b.address });
      a.transport.send(heartbeat('a', 'b', 1));
      await waitFor('first delivery', () => b.received.length === 1);
      await b.transport.stop();
      await waitFor('disconnect noticed', () => a.transport.peerStats()['b']?.connected === false);
    } catch (error) {
      await stop();
      throw error;
    }
    const restart = async (): Promise<Harness> => {
      b = await startNode('b', { port });
      await waitFor('reconnected', () => a.transport.peerStats()['b']?.connected === true, 5000);
      return b;
    };
    return { a, restart, stop };
  }

  it('reconnects after the peer restarts on the same port', async () => {
    const { a, restart, stop } = await stoppedPeer({ reconnectInitialMs: 20, reconnectMaxMs: 100 });
    try {
      const b = await restart();
      a.transport.send(heartbeat('a', 'b', 2));
      await waitFor('delivery after restart', () => b.received.some((m) => m.term === 2));
    } finally {
      await stop();
    }
  });

  it('drops what is sent while the peer is in reconnect backoff: a restarted peer never gets it stale', async () => {
    const { a, restart, stop } = await stoppedPeer({ reconnectInitialMs: 1000, reconnectMaxMs: 1000 });
    try {
      a.unreachable.length = 0;
      a.transport.send(heartbeat('a', 'b', 2));
      assert.equal(a.transport.peerStats()['b']?.queued, 0, 'nothing waits in the queue of a peer in backoff');
      assert.deepEqual(a.unreachable, ['b'], 'the drop is reported at once');
      const b = await restart();
      a.transport.send(heartbeat('a', 'b', 3));
      await waitFor('delivery after restart', () => b.received.some((m) => m.term === 3));
      assert.deepEqual(b.received.map((m) => m.term), [3], 'the message sent during backoff was not delivered late');
    } finally {
      await stop();
    }
  });

  it('drops and reports unreachable when the per-peer queue is full (by count and by bytes)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const a = await startNode('a', { sendQueueMax: 8, reconnectInitialMs: 1000, reconnectMaxMs: 1000 });
    try {
      a.transport.addPeer({ id: 'dead', address: `127.0.0.1:${deadPort}` });
      for (let term = 1; term <= 20; term++) a.transport.send(heartbeat('a', 'dead', term));
      assert.equal(a.transport.peerStats()['dead']?.queued, 8, 'queue capped at sendQueueMax');
      assert.equal(a.unreachable.filter((p) => p === 'dead').length, 12, 'each overflow reported');
      const bulky: Message = { type: 'append', from: 'a', to: 'dead', term: 1, index: 0, logTerm: 0, commit: 0,
        entries: [{ term: 1, index: 1, type: 'normal', data: new Uint8Array(4096) }] };
      const b = await startNode('b', { sendQueueMaxBytes: 10_000, reconnectInitialMs: 1000, reconnectMaxMs: 1000 });
      b.transport.addPeer({ id: 'dead', address: `127.0.0.1:${deadPort}` });
      for (let i = 0; i < 5; i++) b.transport.send(bulky);
      assert.equal(b.transport.peerStats()['dead']?.queued, 2, 'byte bound: two 4 KiB appends fit in 10 kB');
      assert.equal(b.unreachable.length, 3);
      await b.transport.stop();
      a.transport.send(heartbeat('a', 'nobody', 1));
      assert.ok(a.unreachable.includes('nobody'), 'unknown peer reported unreachable');
      await waitFor('connect failure drops the stale queue', () => a.transport.peerStats()['dead']?.queued === 0);
    } finally {
      await a.transport.stop();
    }
  });

  it('rejects a peer with the wrong cluster secret (AuthError) and delivers nothing', async () => {
    const a = await startNode('a', { clusterSecret: 'wrong', reconnectInitialMs: 500, reconnectMaxMs: 500 });
    const b = await startNode('b');
    try {
      a.transport.addPeer({ id: 'b', address: b.address });
      a.transport.send(heartbeat('a', 'b', 1));
      await waitFor('auth errors', () => a.errors.some((e) => e instanceof AuthError) && b.errors.some((e) => e instanceof AuthError));
      assert.match(b.errors.find((e) => e instanceof AuthError)!.message, /failed to prove the cluster secret/);
      assert.equal(a.transport.peerStats()['b']?.connected, false);
      assert.deepEqual(b.received, []);
    } finally {
      await a.transport.stop();
      await b.transport.stop();
    }
  });

  it('refuses a peer speaking another protocol version with a clear ProtocolVersionError', async () => {
    const a = await startNode('a', { protocolVersion: 2, reconnectInitialMs: 500, reconnectMaxMs: 500 });
    const b = await startNode('b');
    try {
      a.transport.addPeer({ id: 'b', address: b.address });
      a.transport.send(heartbeat('a', 'b', 1));
      await waitFor('version errors', () => a.errors.some((e) => e instanceof ProtocolVersionError) && b.errors.length > 0);
      const serverSide = b.errors.find((e) => e instanceof ProtocolVersionError);
      assert.ok(serverSide, 'server reports the mismatch');
      assert.match(serverSide.message, /peer a .* speaks raft protocol version 2, this node \(b\) speaks 1/);
      const clientSide = a.errors.find((e) => e instanceof ProtocolVersionError)!;
      assert.match(clientSide.message, /peer b .* speaks raft protocol version 1, this node \(a\) speaks 2/);
      assert.deepEqual(b.received, []);
    } finally {
      await a.transport.stop();
      await b.transport.stop();
    }
  });

  it('closes a connection that announces an oversize frame', async () => {
    const b = await startNode('b', { maxFrameBytes: 4096 });
    try {
      const { port } = b.transport.listenAddress();
      const socket = connect({ host: '127.0.0.1', port });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(1 << 30, 0);
      socket.write(header);
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await waitFor('error reported', () => b.errors.some((e) => /exceeds the maximum/.test(e.message)));
    } finally {
      await b.transport.stop();
    }
  });

  it('bounds inbound connections', async () => {
    const b = await startNode('b', { maxInboundConnections: 2 });
    const { port } = b.transport.listenAddress();
    const sockets = [connect({ host: '127.0.0.1', port }), connect({ host: '127.0.0.1', port })];
    try {
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.once('connect', () => resolve()))));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = connect({ host: '127.0.0.1', port });
      sockets.push(third);
      third.on('error', () => undefined);
      await new Promise<void>((resolve) => third.once('close', () => resolve()));
      assert.ok(b.errors.some((e) => /2 inbound connections open/.test(e.message)));
    } finally {
      for (const s of sockets) s.destroy();
      await b.transport.stop();
    }
  });

  it('start() and stop() are idempotent', async () => {
    const a = await startNode('a');
    await a.transport.start();
    await Promise.all([a.transport.stop(), a.transport.stop()]);
    await a.transport.stop();
    a.transport.send(heartbeat('a', 'b', 1));
    assert.deepEqual(a.unreachable, ['b']);
  });
});
