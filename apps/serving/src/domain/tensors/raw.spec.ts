import { concat, rawOf, rawStrings, unaligned, utf8 } from './raw.fixture';
import { decodeRaw, decodeUtf8, encodeRaw } from './raw';

describe('decodeRaw', () => {
  it.each([
    ['BOOL', [true, false, true], new Uint8Array([1, 0, 1])],
    ['INT8', [-128, 0, 127], new Int8Array([-128, 0, 127])],
    ['INT16', [-32_768, 7, 32_767], new Int16Array([-32_768, 7, 32_767])],
    ['INT32', [-2_147_483_648, 7, 2_147_483_647], new Int32Array([-2_147_483_648, 7, 2_147_483_647])],
    ['INT64', [-(2n ** 63n), 7n, 2n ** 63n - 1n], new BigInt64Array([-(2n ** 63n), 7n, 2n ** 63n - 1n])],
    ['UINT8', [0, 7, 255], new Uint8Array([0, 7, 255])],
    ['UINT16', [0, 7, 65_535], new Uint16Array([0, 7, 65_535])],
    ['UINT32', [0, 7, 4_294_967_295], new Uint32Array([0, 7, 4_294_967_295])],
    ['UINT64', [0n, 7n, 2n ** 64n - 1n], new BigUint64Array([0n, 7n, 2n ** 64n - 1n])],
    ['FP32', [0.5, -1.25, Number.NaN], new Float32Array([0.5, -1.25, Number.NaN])],
    ['FP64', [0.1, -2, 1e300], new Float64Array([0.1, -2, 1e300])],
  ] as const)('reads %s little-endian, aligned or not', (datatype, values, expected) => {
    const bytes = rawOf(datatype, values);
    expect(decodeRaw(datatype, bytes, 3)).toStrictEqual({ data: expected });
    expect(decodeRaw(datatype, unaligned(bytes), 3)).toStrictEqual({ data: expected });
  });

  it('copies out of the request buffer rather than viewing it', () => {
    const bytes = rawOf('FP32', [1, 2]);
    const { data } = decodeRaw('FP32', bytes, 2);
    bytes.fill(0);
    expect(data).toStrictEqual(new Float32Array([1, 2]));
  });

  it('refuses a byte length that does not match the element count', () => {
    expect(decodeRaw('FP32', rawOf('FP32', [1, 2]), 3)).toStrictEqual({ problem: 'has 8 bytes; 3 FP32 elements take 12' });
    expect(decodeRaw('INT64', new Uint8Array(9), 1)).toStrictEqual({ problem: 'has 9 bytes; 1 INT64 elements take 8' });
  });

  it('refuses a BOOL byte other than 0 or 1', () => {
    expect(decodeRaw('BOOL', new Uint8Array([1, 0, 2]), 3)).toStrictEqual({ problem: 'element 2 is 2; a BOOL is one byte, 0 or 1' });
  });

  it('reads BYTES elements as UTF-8, multi-byte characters and empty strings included', () => {
    const values = ['SFO', 'Zürich', '東京', '🛫', ''];
    expect(decodeRaw('BYTES', rawStrings(values), 5)).toStrictEqual({ data: values });
    expect(decodeRaw('BYTES', unaligned(rawStrings(values), 3), 5)).toStrictEqual({ data: values });
  });

  it('reads the length prefix little-endian', () => {
    const bytes = concat([new Uint8Array([2, 0, 0, 0]), utf8('é')]);
    expect(bytes.length).toBe(6);
    expect(decodeRaw('BYTES', bytes, 1)).toStrictEqual({ data: ['é'] });
  });

  it('refuses BYTES cut inside a length prefix', () => {
    const bytes = rawStrings(['ab', 'cd']).subarray(0, 8);
    expect(decodeRaw('BYTES', bytes, 2)).toStrictEqual({ problem: 'ends inside the length prefix of element 1 (at byte 6)' });
  });

  it('refuses a BYTES element longer than what remains', () => {
    const bytes = rawStrings(['ab', 'cdef']).subarray(0, 12);
    expect(decodeRaw('BYTES', bytes, 2)).toStrictEqual({ problem: 'element 1 declares 4 bytes but 2 remain' });
  });

  it('refuses BYTES holding fewer or more elements than the shape', () => {
    expect(decodeRaw('BYTES', rawStrings(['a', 'b']), 3)).toStrictEqual({ problem: 'holds 2 BYTES elements; the shape needs 3' });
    expect(decodeRaw('BYTES', rawStrings(['a', 'b', 'c']), 2)).toStrictEqual({ problem: 'has 5 bytes after the 2 BYTES elements the shape needs' });
  });

  it('refuses a BYTES element that is not UTF-8, a multi-byte character cut in half included', () => {
    const cut = utf8('é').subarray(0, 1);
    const bytes = concat([new Uint8Array([1, 0, 0, 0]), cut]);
    expect(decodeRaw('BYTES', bytes, 1)).toStrictEqual({ problem: 'element 0 is not valid UTF-8' });
    expect(decodeUtf8(new Uint8Array([0xff]))).toBeUndefined();
  });

  it('keeps a leading byte order mark, as the bytes were sent', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });
});

describe('encodeRaw', () => {
  it('views a typed array of the right type without copying it', () => {
    const data = new Float32Array([0.5, -2]);
    const bytes = encodeRaw('FP32', data);
    expect(bytes.buffer).toBe(data.buffer);
    expect(bytes).toStrictEqual(rawOf('FP32', [0.5, -2]));
  });

  it('views a subarray at its own offset', () => {
    const data = new BigInt64Array([1n, 2n, 3n]).subarray(1);
    expect(encodeRaw('INT64', data)).toStrictEqual(rawOf('INT64', [2n, 3n]));
  });

  it('converts other array-likes to the datatype first', () => {
    expect(encodeRaw('INT64', [5, -6])).toStrictEqual(rawOf('INT64', [5n, -6n]));
    expect(encodeRaw('UINT64', [BigInt(2 ** 60)])).toStrictEqual(rawOf('UINT64', [2n ** 60n]));
    expect(encodeRaw('BOOL', [true, false])).toStrictEqual(new Uint8Array([1, 0]));
    expect(encodeRaw('FP64', new Float32Array([0.25]))).toStrictEqual(rawOf('FP64', [0.25]));
  });

  it('length-prefixes BYTES elements', () => {
    expect(encodeRaw('BYTES', ['a', 'Zürich', ''])).toStrictEqual(rawStrings(['a', 'Zürich', '']));
  });

  it('round-trips through decodeRaw', () => {
    const strings = ['東京', '', 'x'];
    expect(decodeRaw('BYTES', encodeRaw('BYTES', strings), 3)).toStrictEqual({ data: strings });
    const ints = new Int16Array([-3, 300]);
    expect(decodeRaw('INT16', encodeRaw('INT16', ints), 2)).toStrictEqual({ data: ints });
  });
});
