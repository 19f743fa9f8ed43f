// Types for snappyjs (Snappy's block format in plain JavaScript), which ships none.
declare module 'snappyjs' {
  /** Decompresses; throws when the stated length passes `maxLength` or the input is corrupt. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
