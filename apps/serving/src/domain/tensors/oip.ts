import { type OipDatatype } from '../signature';

/** `InferTensorContents` as ts-proto decodes it: every field present, all but one empty. */
export interface OipContents {
  boolContents: boolean[];
  intContents: number[];
  int64Contents: number[];
  uintContents: number[];
  uint64Contents: number[];
  fp32Contents: number[];
  fp64Contents: number[];
  bytesContents: Uint8Array[];
}

/** A `ModelInferRequest.InferInputTensor`, with what the codec reads of it. */
export interface OipInput {
  name: string;
  datatype: string;
  shape: readonly number[];
  contents?: OipContents;
}

/** A `ModelInferResponse.InferOutputTensor`; contents is absent when the data travels raw. */
export interface OipOutput {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  contents?: OipContents;
}

export const emptyContents = (): OipContents => ({
  boolContents: [],
  intContents: [],
  int64Contents: [],
  uintContents: [],
  uint64Contents: [],
  fp32Contents: [],
  fp64Contents: [],
  bytesContents: [],
});

const FIELDS = Object.keys(emptyContents()) as Array<keyof OipContents>;

/** The first field holding elements, other than `except`; undefined for contents with no elements. */
export const filledField = (contents: OipContents, except?: keyof OipContents) => FIELDS.find((field) => field !== except && contents[field].length > 0);

/** The contents field each datatype's elements go in; FP16 has none (it travels raw only). */
export const CONTENTS_FIELD: Readonly<Record<Exclude<OipDatatype, 'FP16'>, keyof OipContents>> = {
  BOOL: 'boolContents',
  INT8: 'intContents',
  INT16: 'intContents',
  INT32: 'intContents',
  INT64: 'int64Contents',
  UINT8: 'uintContents',
  UINT16: 'uintContents',
  UINT32: 'uintContents',
  UINT64: 'uint64Contents',
  FP32: 'fp32Contents',
  FP64: 'fp64Contents',
  BYTES: 'bytesContents',
};

/** The field as the protocol names it (`fp32_contents`), for messages a client can act on. */
export const protoFieldName = (field: keyof OipContents) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
