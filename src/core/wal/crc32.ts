// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) for WAL value framing.
// Uses node:zlib's native crc32 where the runtime has it (Node >= 20.15); never a different polynomial.
import * as zlib from 'node:zlib';

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Table-driven CRC-32; `initial` continues a previous result, as zlib's does. */
export function crc32Portable(data: Uint8Array, initial = 0): number {
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

type Crc32Fn = (data: Uint8Array, initial?: number) => number;

// @types/node 20 may not declare zlib.crc32 although the runtime has it; probe at load time.
const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32;

/** CRC-32 of `data`, continuing from `initial` (0 for a fresh checksum). */
export const crc32: Crc32Fn = typeof native === 'function' ? (data, initial = 0) => native(data, initial) : crc32Portable;

/** True when the native implementation is in use (reported by the benchmark). */
export const crc32IsNative = typeof native === 'function';
