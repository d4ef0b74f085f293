import { type OipDatatype } from '../signature';
import { CONTENTS_FIELD, emptyContents, type OipContents, type OipOutput } from './oip';
import { encodeRaw, encodeUtf8 } from './raw';
import { elementCount, FP16_UNSUPPORTED, oipDatatypeOf, type OutputTensor, showShape } from './tensor';

/** One instance's share of an output, laid out like `mlops.common.v1.TensorValue`. */
export interface InstanceOutput {
  /** The output's dims without the batch dimension. */
  shape: number[];
  doubleValues: number[];
  /** Every integer width, 64-bit ones converted to numbers. */
  int64Values: number[];
  stringValues: string[];
  boolValues: boolean[];
}

/** Datatypes an output may have: FP16 could travel raw but has no TensorValue or contents field, so it is refused everywhere alike. */
type CarriedDatatype = Exclude<OipDatatype, 'FP16'>;

export interface OipOutputs {
  tensors: OipOutput[];
  /** One entry per tensor when asked for raw contents, else empty. */
  raw: Uint8Array[];
}

/**
 * Cuts each named output along its first (batch) dimension into one InstanceOutput per instance.
 * A runtime result that does not fit (a missing output, another batch size, an element type
 * without a TensorValue field) is a fault of the model, not of the request: plain Errors.
 */
export function splitOutputs(outputs: Readonly<Record<string, OutputTensor>>, names: readonly string[], batchSize: number): Array<Record<string, InstanceOutput>> {
  const instances: Array<Record<string, InstanceOutput>> = [];
  for (let b = 0; b < batchSize; b++) instances.push({});
  for (const name of names) {
    const tensor = outputOf(outputs, name);
    const datatype = datatypeOf(tensor, name);
    if (tensor.dims.length === 0 || tensor.dims[0] !== batchSize) throw new Error(`output "${name}" has shape ${showShape(tensor.dims)}; its first dimension should be the batch of ${batchSize}`);
    if (tensor.data.length !== elementCount(tensor.dims)) throw new Error(`output "${name}" has ${tensor.data.length} elements for the shape ${showShape(tensor.dims)}`);
    const shape = tensor.dims.slice(1);
    const perInstance = elementCount(shape);
    for (let b = 0; b < batchSize; b++) instances[b][name] = instanceOutput(tensor.data, datatype, b * perInstance, perInstance, shape);
  }
  return instances;
}

function instanceOutput(data: OutputTensor['data'], datatype: CarriedDatatype, start: number, count: number, shape: readonly number[]): InstanceOutput {
  const output: InstanceOutput = { shape: [...shape], doubleValues: [], int64Values: [], stringValues: [], boolValues: [] };
  const end = start + count;
  switch (CONTENTS_FIELD[datatype]) {
    case 'fp32Contents':
    case 'fp64Contents':
      for (let k = start; k < end; k++) output.doubleValues.push(Number(data[k]));
      break;
    case 'intContents':
    case 'int64Contents':
    case 'uintContents':
    case 'uint64Contents':
      for (let k = start; k < end; k++) output.int64Values.push(Number(data[k]));
      break;
    case 'boolContents':
      for (let k = start; k < end; k++) output.boolValues.push(Boolean(data[k]));
      break;
    case 'bytesContents':
      for (let k = start; k < end; k++) output.stringValues.push(String(data[k]));
      break;
  }
  return output;
}

/**
 * The named outputs as Open Inference Protocol tensors, with their data in `raw` (the protocol's
 * raw_output_contents, answered to clients that sent raw inputs) or in each tensor's typed contents.
 */
export function toOipOutputs(outputs: Readonly<Record<string, OutputTensor>>, names: readonly string[], asRaw: boolean): OipOutputs {
  const tensors: OipOutput[] = [];
  const raw: Uint8Array[] = [];
  for (const name of names) {
    const tensor = outputOf(outputs, name);
    const datatype = datatypeOf(tensor, name);
    const shape = [...tensor.dims];
    if (asRaw) {
      tensors.push({ name, datatype, shape });
      raw.push(encodeRaw(datatype, tensor.data));
    } else {
      tensors.push({ name, datatype, shape, contents: toContents(datatype, tensor.data) });
    }
  }
  return { tensors, raw };
}

function toContents(datatype: CarriedDatatype, data: OutputTensor['data']): OipContents {
  const contents = emptyContents();
  const field = CONTENTS_FIELD[datatype];
  switch (field) {
    case 'boolContents':
      for (let k = 0; k < data.length; k++) contents.boolContents.push(Boolean(data[k]));
      break;
    case 'bytesContents':
      for (let k = 0; k < data.length; k++) contents.bytesContents.push(encodeUtf8(String(data[k])));
      break;
    case 'intContents':
    case 'int64Contents':
    case 'uintContents':
    case 'uint64Contents':
    case 'fp32Contents':
    case 'fp64Contents':
      for (let k = 0; k < data.length; k++) contents[field].push(Number(data[k]));
      break;
  }
  return contents;
}

function outputOf(outputs: Readonly<Record<string, OutputTensor>>, name: string): OutputTensor {
  const tensor = outputs[name];
  if (!tensor) throw new Error(`the model returned no output "${name}" (it returned ${Object.keys(outputs).join(', ') || 'none'})`);
  return tensor;
}

function datatypeOf(tensor: OutputTensor, name: string): CarriedDatatype {
  const datatype = oipDatatypeOf(tensor.type);
  if (!datatype) throw new Error(`output "${name}" has element type ${tensor.type}, which the Open Inference Protocol cannot carry`);
  if (datatype === 'FP16') throw new Error(`output "${name}": ${FP16_UNSUPPORTED}`);
  return datatype;
}
