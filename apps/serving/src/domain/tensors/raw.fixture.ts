import { type OipDatatype } from '../signature';

/*
 * Raw contents for tests, written element by element through a DataView so that the expectations
 * do not share the codec's own byte copies.
 */

type Element = number | bigint | boolean;

const WRITERS: Record<Exclude<OipDatatype, 'BYTES' | 'FP16'>, [size: number, write: (view: DataView, offset: number, value: Element) => void]> = {
  BOOL: [1, (v, o, x) => v.setUint8(o, x ? 1 : 0)],
  INT8: [1, (v, o, x) => v.setInt8(o, Number(x))],
  INT16: [2, (v, o, x) => v.setInt16(o, Number(x), true)],
  INT32: [4, (v, o, x) => v.setInt32(o, Number(x), true)],
  INT64: [8, (v, o, x) => v.setBigInt64(o, BigInt(x), true)],
  UINT8: [1, (v, o, x) => v.setUint8(o, Number(x))],
  UINT16: [2, (v, o, x) => v.setUint16(o, Number(x), true)],
  UINT32: [4, (v, o, x) => v.setUint32(o, Number(x), true)],
  UINT64: [8, (v, o, x) => v.setBigUint64(o, BigInt(x), true)],
  FP32: [4, (v, o, x) => v.setFloat32(o, Number(x), true)],
  FP64: [8, (v, o, x) => v.setFloat64(o, Number(x), true)],
};

export function rawOf(datatype: keyof typeof WRITERS, values: readonly Element[]): Uint8Array {
  const [size, write] = WRITERS[datatype];
  const bytes = new Uint8Array(size * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => write(view, i * size, value));
  return bytes;
}

export const utf8 = (text: string) => new TextEncoder().encode(text);

/** BYTES elements: each a 4-byte little-endian length, then the bytes. */
export function rawStrings(values: readonly string[]): Uint8Array {
  const parts = values.flatMap((value) => {
    const bytes = utf8(value);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, bytes.length, true);
    return [prefix, bytes];
  });
  return concat(parts);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** The same bytes as a view starting at an odd offset of a larger buffer, as a gRPC message slice can be. */
export function unaligned(bytes: Uint8Array, offset = 1): Uint8Array {
  const buffer = new Uint8Array(bytes.length + offset + 3).fill(0xee);
  buffer.set(bytes, offset);
  return buffer.subarray(offset, offset + bytes.length);
}
