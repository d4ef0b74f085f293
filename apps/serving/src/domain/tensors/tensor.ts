import { type OipDatatype } from '../signature';

/** Element types of an onnxruntime-node `Tensor`, by its own names. */
export type OrtType = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool' | 'string' | 'float16';

export type NumberArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
export type BigIntArray = BigInt64Array | BigUint64Array;
export type FeedData = NumberArray | BigIntArray | string[];

/** An input ready for `new Tensor(type, data, dims)`; bool data is one byte per element, 0 or 1. */
export interface FeedTensor {
  type: OrtType;
  data: FeedData;
  dims: number[];
}

/** An output as the runtime returns it (`Tensor.type`, `.data`, `.dims`). */
export interface OutputTensor {
  type: string;
  data: ArrayLike<number | bigint | string | boolean>;
  dims: readonly number[];
}

/**
 * How elements are held and checked: `int` fits a JS number exactly, `bigint` is held in a 64-bit
 * array, `float16` has no JS element type and is refused wherever it shows up.
 */
export type ElementKind = 'float' | 'int' | 'bigint' | 'bool' | 'string' | 'float16';

export interface DatatypeTraits {
  ort: OrtType;
  kind: ElementKind;
  /** Bytes per element in raw contents; 0 for BYTES, whose elements are length-prefixed. */
  itemSize: number;
  /** Range of integer kinds; 64-bit ones stop at what a JS number (and so a proto int64 field) holds exactly. */
  min: number;
  max: number;
}

const INTEGER_LIMITS = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const UNBOUNDED = { min: -Infinity, max: Infinity };

export const DATATYPES: Readonly<Record<OipDatatype, DatatypeTraits>> = {
  BOOL: { ort: 'bool', kind: 'bool', itemSize: 1, ...UNBOUNDED },
  INT8: { ort: 'int8', kind: 'int', itemSize: 1, min: -128, max: 127 },
  INT16: { ort: 'int16', kind: 'int', itemSize: 2, min: -32_768, max: 32_767 },
  INT32: { ort: 'int32', kind: 'int', itemSize: 4, min: -2_147_483_648, max: 2_147_483_647 },
  INT64: { ort: 'int64', kind: 'bigint', itemSize: 8, ...INTEGER_LIMITS },
  UINT8: { ort: 'uint8', kind: 'int', itemSize: 1, min: 0, max: 255 },
  UINT16: { ort: 'uint16', kind: 'int', itemSize: 2, min: 0, max: 65_535 },
  UINT32: { ort: 'uint32', kind: 'int', itemSize: 4, min: 0, max: 4_294_967_295 },
  UINT64: { ort: 'uint64', kind: 'bigint', itemSize: 8, min: 0, max: INTEGER_LIMITS.max },
  FP16: { ort: 'float16', kind: 'float16', itemSize: 2, ...UNBOUNDED },
  FP32: { ort: 'float32', kind: 'float', itemSize: 4, ...UNBOUNDED },
  FP64: { ort: 'float64', kind: 'float', itemSize: 8, ...UNBOUNDED },
  BYTES: { ort: 'string', kind: 'string', itemSize: 0, ...UNBOUNDED },
};

const OIP_BY_ORT = new Map(Object.entries(DATATYPES).map(([datatype, traits]) => [traits.ort as string, datatype as OipDatatype]));

/** The OIP datatype of a runtime element type (`float32` → FP32), undefined for one OIP cannot carry. */
export const oipDatatypeOf = (ortType: string): OipDatatype | undefined => OIP_BY_ORT.get(ortType);

export const FP16_UNSUPPORTED = 'FP16 tensors are not supported by this server';

const TYPED_ARRAYS = {
  BOOL: Uint8Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
} as const;

export type FixedSizeDatatype = keyof typeof TYPED_ARRAYS;

/** A zeroed typed array holding `length` elements of a fixed-size datatype. */
export const newTypedArray = (datatype: FixedSizeDatatype, length: number): NumberArray | BigIntArray => new TYPED_ARRAYS[datatype](length);

/** Whether `data` already is the typed array the runtime uses for the datatype. */
export const isTypedArrayOf = (datatype: FixedSizeDatatype, data: unknown): data is NumberArray | BigIntArray => data instanceof TYPED_ARRAYS[datatype];

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

export const showShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
