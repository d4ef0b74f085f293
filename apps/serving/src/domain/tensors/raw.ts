import { type OipDatatype } from '../signature';
import { type BigIntArray, DATATYPES, type FeedData, type FixedSizeDatatype, isTypedArrayOf, newTypedArray, type NumberArray, type OutputTensor } from './tensor';

/*
 * Raw contents as the Open Inference Protocol lays them out: the flattened row-major elements,
 * little-endian, no padding; a BYTES element is a 4-byte little-endian length then its bytes.
 */

// Fatal: text that is not UTF-8 is refused rather than silently patched with U+FFFD.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The text of a BYTES element, undefined when it is not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export const encodeUtf8 = (text: string): Uint8Array => utf8Encoder.encode(text);

export type RawDecoding = { data: FeedData; problem?: undefined } | { data?: undefined; problem: string };

/** `count` elements of `datatype` from raw bytes, or what is wrong with the bytes (phrased to follow the field name). */
export function decodeRaw(datatype: OipDatatype, bytes: Uint8Array, count: number): RawDecoding {
  if (datatype === 'BYTES') return decodeRawStrings(bytes, count);
  const expected = count * DATATYPES[datatype].itemSize;
  if (bytes.byteLength !== expected) return { problem: `has ${bytes.byteLength} bytes; ${count} ${datatype} elements take ${expected}` };
  const data = newTypedArray(datatype, count);
  // onnxruntime-node ships for little-endian hosts only, so a byte copy is the little-endian decode;
  // copying into a fresh array also aligns elements that sit at any offset of the request buffer.
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  if (datatype === 'BOOL') {
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] > 1) return { problem: `element ${i} is ${bytes[i]}; a BOOL is one byte, 0 or 1` };
    }
  }
  return { data };
}

function decodeRawStrings(bytes: Uint8Array, count: number): RawDecoding {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset === bytes.byteLength) return { problem: `holds ${i} BYTES elements; the shape needs ${count}` };
    if (offset + 4 > bytes.byteLength) return { problem: `ends inside the length prefix of element ${i} (at byte ${offset})` };
    const length = view.getUint32(offset, true);
    offset += 4;
    const remaining = bytes.byteLength - offset;
    if (length > remaining) return { problem: `element ${i} declares ${length} bytes but ${remaining} remain` };
    const text = decodeUtf8(bytes.subarray(offset, offset + length));
    if (text === undefined) return { problem: `element ${i} is not valid UTF-8` };
    data.push(text);
    offset += length;
  }
  if (offset !== bytes.byteLength) return { problem: `has ${bytes.byteLength - offset} bytes after the ${count} BYTES elements the shape needs` };
  return { data };
}

/** Raw bytes of a runtime output; a typed array of the right type is viewed, not copied. */
export function encodeRaw(datatype: OipDatatype, data: OutputTensor['data']): Uint8Array {
  if (datatype === 'BYTES') return encodeRawStrings(data);
  const typed = toTypedArray(datatype, data);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

function toTypedArray(datatype: FixedSizeDatatype, data: OutputTensor['data']): NumberArray | BigIntArray {
  if (isTypedArrayOf(datatype, data)) return data;
  const typed = newTypedArray(datatype, data.length);
  if (DATATYPES[datatype].kind === 'bigint') {
    for (let i = 0; i < data.length; i++) (typed as BigIntArray)[i] = BigInt(data[i]);
  } else {
    for (let i = 0; i < data.length; i++) (typed as NumberArray)[i] = Number(data[i]);
  }
  return typed;
}

function encodeRawStrings(data: OutputTensor['data']): Uint8Array {
  const encoded: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    const element = encodeUtf8(String(data[i]));
    encoded.push(element);
    total += 4 + element.byteLength;
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const element of encoded) {
    view.setUint32(offset, element.byteLength, true);
    bytes.set(element, offset + 4);
    offset += 4 + element.byteLength;
  }
  return bytes;
}
