import { type OipDatatype } from '../signature';
import { DATATYPES, elementCount, isTypedArrayOf, newTypedArray, oipDatatypeOf } from './tensor';

describe('datatypes', () => {
  it('maps every OIP datatype to its onnxruntime type and back', () => {
    expect(Object.fromEntries(Object.entries(DATATYPES).map(([datatype, traits]) => [datatype, traits.ort]))).toEqual({
      BOOL: 'bool', INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64', UINT8: 'uint8', UINT16: 'uint16',
      UINT32: 'uint32', UINT64: 'uint64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
    });
    for (const datatype of Object.keys(DATATYPES) as OipDatatype[]) expect(oipDatatypeOf(DATATYPES[datatype].ort)).toBe(datatype);
  });

  it('knows no OIP datatype for runtime types the protocol lacks', () => {
    expect(oipDatatypeOf('bfloat16')).toBeUndefined();
    expect(oipDatatypeOf('uint4')).toBeUndefined();
  });

  it('allocates the typed array onnxruntime-node expects, bool as bytes and FP16 as raw 16-bit words', () => {
    expect(newTypedArray('BOOL', 2)).toStrictEqual(new Uint8Array(2));
    expect(newTypedArray('INT64', 2)).toStrictEqual(new BigInt64Array(2));
    expect(newTypedArray('UINT64', 1)).toStrictEqual(new BigUint64Array(1));
    expect(newTypedArray('FP16', 3)).toStrictEqual(new Uint16Array(3));
    expect(newTypedArray('FP32', 3)).toStrictEqual(new Float32Array(3));
    expect(isTypedArrayOf('INT32', new Int32Array(1))).toBe(true);
    expect(isTypedArrayOf('INT32', new Uint32Array(1))).toBe(false);
    expect(isTypedArrayOf('FP64', [1, 2])).toBe(false);
  });

  it('bounds 64-bit integers by what a JS number holds exactly', () => {
    expect([DATATYPES.INT64.min, DATATYPES.INT64.max, DATATYPES.UINT64.min, DATATYPES.UINT64.max]).toEqual([-(2 ** 53 - 1), 2 ** 53 - 1, 0, 2 ** 53 - 1]);
  });

  it('counts elements, a scalar as one', () => {
    expect(elementCount([])).toBe(1);
    expect(elementCount([3, 1])).toBe(3);
    expect(elementCount([2, 3, 4])).toBe(24);
  });
});
