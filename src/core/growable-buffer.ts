// A byte buffer that grows by doubling as it is written, for the encoders that build one payload
// at a time (the flush's RowBinary rows, the WAL entry's point column). Subclasses add the
// encodings they need; `buffer.subarray(0, offset)` is what was written.

export class GrowableBuffer {
  buffer: Buffer;
  offset = 0;

  /** Starts with a fresh buffer of `initial` bytes (at least `minBytes`), or writes into the one given. */
  constructor(initial: number | Buffer, minBytes = 64) {
    this.buffer = typeof initial === 'number' ? Buffer.allocUnsafe(Math.max(minBytes, initial)) : initial;
  }

  /** Makes room for `bytes` more bytes after `offset`. */
  reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.offset++] = value;
  }
}
