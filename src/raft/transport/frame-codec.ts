// Length-prefixed msgpackr frames: 4-byte big-endian payload length, then the payload.
// Never buffers more than one frame of `maxFrameBytes`; an oversize length poisons the decoder.

import { Packr, Unpackr } from 'msgpackr';

export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** A peer announced (or we tried to send) a frame larger than the configured maximum. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(readonly frameBytes: number, readonly maxFrameBytes: number) {
    super(`frame of ${frameBytes} bytes exceeds the maximum of ${maxFrameBytes} bytes`);
  }
}

// Plain msgpack (no record extension) so a frame is self-describing and any version can read a handshake.
const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false });

/** Encodes one value as a frame; throws FrameTooLargeError rather than emitting a frame the peer would reject. */
export function encodeFrame(value: unknown, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  const payload = packr.pack(value);
  if (payload.length > maxFrameBytes) throw new FrameTooLargeError(payload.length, maxFrameBytes);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, FRAME_HEADER_BYTES);
  return frame;
}

export function decodePayload(payload: Uint8Array): unknown {
  return unpackr.unpack(payload);
}

/** Incremental decoder for a byte stream of frames. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: FrameTooLargeError | null = null;

  constructor(private readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {}

  /** Bytes held waiting for the rest of a frame (at most one frame plus one chunk). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds a chunk and returns the payloads of every frame it completes.
   * Throws FrameTooLargeError as soon as a header announces an oversize frame (the caller closes the socket).
   */
  push(chunk: Buffer): Buffer[] {
    if (this.failed) throw this.failed;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const payloads: Buffer[] = [];
    for (;;) {
      if (this.buffered < FRAME_HEADER_BYTES) break;
      const head = this.peekHeader();
      if (head > this.maxFrameBytes) {
        this.failed = new FrameTooLargeError(head, this.maxFrameBytes);
        this.chunks = [];
        this.buffered = 0;
        throw this.failed;
      }
      if (this.buffered < FRAME_HEADER_BYTES + head) break;
      const frame = this.take(FRAME_HEADER_BYTES + head);
      payloads.push(frame.subarray(FRAME_HEADER_BYTES));
    }
    return payloads;
  }

  private peekHeader(): number {
    const first = this.chunks[0]!;
    if (first.length >= FRAME_HEADER_BYTES) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, FRAME_HEADER_BYTES).readUInt32BE(0);
  }

  /** Removes exactly `bytes` from the front, copying only when a frame spans chunks. */
  private take(bytes: number): Buffer {
    this.buffered -= bytes;
    const first = this.chunks[0]!;
    if (first.length >= bytes) {
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    const out = Buffer.allocUnsafe(bytes);
    let offset = 0;
    while (offset < bytes) {
      const chunk = this.chunks[0]!;
      const need = bytes - offset;
      if (chunk.length <= need) {
        chunk.copy(out, offset);
        offset += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(out, offset, 0, need);
        this.chunks[0] = chunk.subarray(need);
        offset += need;
      }
    }
    return out;
  }
}
