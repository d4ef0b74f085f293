import { type NanPolicy } from '../deployment';
import { type ModelSignature, type OipDatatype, type TensorSpec, type Violation } from '../signature';
import { invalidInput, listNames } from './invalid-input';
import { CONTENTS_FIELD, emptyContents, filledField, type OipContents, type OipInput, protoFieldName } from './oip';
import { decodeRaw, decodeUtf8 } from './raw';
import { type BigIntArray, DATATYPES, elementCount, FP16_UNSUPPORTED, type FeedData, type FeedTensor, type FixedSizeDatatype, newTypedArray, type NumberArray, showShape } from './tensor';

export interface OipFeeds {
  feeds: Record<string, FeedTensor>;
  /** The first dimension every input shares (1 when no input has one). */
  batchSize: number;
}

/**
 * Feeds for a ModelInfer request, checked against the signature: every input once, the exact
 * datatype, the rank and fixed dimensions, one batch size, and contents that hold exactly the
 * elements the shape announces. As the protocol requires, either every input sends typed
 * `contents` or all send `raw_input_contents` (`raw[i]` belongs to `inputs[i]`). NaN and Infinity
 * in float inputs follow the NaN policy: refused, or fed as NaN (missing, imputed by the graph)
 * when the input is nullable. Every violation is collected before one InvalidInputError is thrown.
 */
export function oipToFeeds(signature: ModelSignature, inputs: ReadonlyArray<OipInput>, raw: ReadonlyArray<Uint8Array>, nanPolicy: NanPolicy): OipFeeds {
  const violations: Violation[] = [];
  const usesRaw = raw.length > 0;
  if (usesRaw && raw.length !== inputs.length) violations.push({ field: 'raw_input_contents', description: `has ${raw.length} entries for ${inputs.length} inputs; it needs one per input, in order` });
  const specs = new Map(signature.inputs.map((spec) => [spec.name, spec]));
  const seen = new Set<string>();
  const feeds: Record<string, FeedTensor> = {};
  let batch: { size: number; input: number } | undefined;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const spec = specs.get(input.name);
    if (!spec) {
      violations.push({ field: `inputs[${i}].name`, description: `"${input.name}" is not an input of the model (it takes ${listNames([...specs.keys()])})` });
      continue;
    }
    if (seen.has(input.name)) {
      violations.push({ field: `inputs[${i}].name`, description: `"${input.name}" appears twice` });
      continue;
    }
    seen.add(input.name);
    const mixed = usesRaw && input.contents !== undefined && filledField(input.contents) !== undefined;
    if (mixed) violations.push({ field: `inputs[${i}].contents`, description: 'is set while raw_input_contents is used; send every input one way' });
    if (spec.datatype === 'FP16') {
      violations.push({ field: `inputs[${i}].datatype`, description: FP16_UNSUPPORTED });
      continue;
    }
    const datatypeProblem = input.datatype === spec.datatype ? undefined : `${input.datatype ? `is ${input.datatype}` : 'is empty'}; the model's "${spec.name}" takes ${spec.datatype}`;
    if (datatypeProblem) violations.push({ field: `inputs[${i}].datatype`, description: datatypeProblem });
    const shapeIssue = shapeProblem(input.shape, spec);
    if (shapeIssue) violations.push({ field: `inputs[${i}].shape`, description: shapeIssue });
    if (datatypeProblem || shapeIssue) continue;

    if (input.shape.length > 0) {
      if (!batch) batch = { size: input.shape[0], input: i };
      else if (input.shape[0] !== batch.size) violations.push({ field: `inputs[${i}].shape`, description: `has batch dimension ${input.shape[0]} but inputs[${batch.input}] has ${batch.size}; every input has the same first dimension` });
    }
    if (mixed || (usesRaw && i >= raw.length)) continue;
    const count = elementCount(input.shape);
    const field = usesRaw ? `raw_input_contents[${i}]` : `inputs[${i}].contents`;
    const decoded = usesRaw ? decodeRaw(spec.datatype, raw[i], count) : fromContents(spec.datatype, input.contents ?? emptyContents(), count, input.shape);
    if (decoded.problem !== undefined) {
      violations.push({ field, description: decoded.problem });
      continue;
    }
    const missingProblem = DATATYPES[spec.datatype].kind === 'float' ? applyNanPolicy(decoded.data as Float32Array | Float64Array, spec, nanPolicy) : undefined;
    if (missingProblem) violations.push({ field, description: missingProblem });
    feeds[spec.name] = { type: DATATYPES[spec.datatype].ort, data: decoded.data, dims: [...input.shape] };
  }
  for (const spec of signature.inputs) {
    if (!seen.has(spec.name)) violations.push({ field: 'inputs', description: `lacks the model's input "${spec.name}"` });
  }
  if (violations.length > 0) throw invalidInput(violations);
  return { feeds, batchSize: batch?.size ?? 1 };
}

function shapeProblem(shape: readonly number[], spec: TensorSpec): string | undefined {
  if (shape.some((dim) => !Number.isInteger(dim) || dim <= 0)) return `is ${showShape(shape)}; dimensions are positive integers`;
  if (shape.length !== spec.shape.length) return `is ${showShape(shape)}; the model's "${spec.name}" takes rank ${spec.shape.length} (${showShape(spec.shape)})`;
  const axis = spec.shape.findIndex((dim, k) => dim !== -1 && dim !== shape[k]);
  return axis < 0 ? undefined : `is ${showShape(shape)}; the model's "${spec.name}" takes ${showShape(spec.shape)} (dimension ${axis} must be ${spec.shape[axis]})`;
}

type Decoded = { data: FeedData; problem?: undefined } | { data?: undefined; problem: string };

/** Typed contents into runtime data; integers are range-checked since intContents and uintContents are 32-bit for every width. */
function fromContents(datatype: Exclude<OipDatatype, 'FP16'>, contents: OipContents, count: number, shape: readonly number[]): Decoded {
  const field = CONTENTS_FIELD[datatype];
  const values = contents[field];
  if (values.length !== count) {
    const misplaced = values.length === 0 ? filledField(contents, field) : undefined;
    return {
      problem: misplaced
        ? `holds its elements in ${protoFieldName(misplaced)}; ${datatype} elements go in ${protoFieldName(field)}`
        : `holds ${values.length} elements in ${protoFieldName(field)}; the shape ${showShape(shape)} needs ${count}`,
    };
  }
  switch (field) {
    case 'fp32Contents':
      return { data: new Float32Array(contents.fp32Contents) };
    case 'fp64Contents':
      return { data: new Float64Array(contents.fp64Contents) };
    case 'boolContents': {
      const data = new Uint8Array(count);
      for (let k = 0; k < count; k++) data[k] = contents.boolContents[k] ? 1 : 0;
      return { data };
    }
    case 'bytesContents': {
      const data: string[] = [];
      for (let k = 0; k < count; k++) {
        const text = decodeUtf8(contents.bytesContents[k]);
        if (text === undefined) return { problem: `element ${k} is not valid UTF-8` };
        data.push(text);
      }
      return { data };
    }
    case 'intContents':
    case 'uintContents':
    case 'int64Contents':
    case 'uint64Contents':
      // The field mapping puts only integer datatypes here.
      return integersOf(datatype as FixedSizeDatatype, contents[field], count);
  }
}

function integersOf(datatype: FixedSizeDatatype, values: readonly number[], count: number): Decoded {
  const traits = DATATYPES[datatype];
  const data = newTypedArray(datatype, count);
  for (let k = 0; k < count; k++) {
    const value = values[k];
    if (!(Number.isInteger(value) && value >= traits.min && value <= traits.max)) return { problem: `element ${k} is ${value}, not an integer in ${datatype}'s range [${traits.min}, ${traits.max}]` };
    if (traits.kind === 'bigint') (data as BigIntArray)[k] = BigInt(value);
    else (data as NumberArray)[k] = value;
  }
  return { data };
}

/** Infinity counts as missing like NaN, and NaN is what the graph imputes, so a kept one is fed as NaN. */
function applyNanPolicy(data: Float32Array | Float64Array, spec: TensorSpec, nanPolicy: NanPolicy): string | undefined {
  for (let k = 0; k < data.length; k++) {
    const value = data[k];
    if (Number.isFinite(value)) continue;
    if (nanPolicy === 'reject') return `element ${k} of "${spec.name}" is ${value}; the deployment's NaN policy rejects it`;
    if (!spec.nullable) return `element ${k} of "${spec.name}" is ${value}, missing under the deployment's NaN policy, but the input is required`;
    data[k] = Number.NaN;
  }
  return undefined;
}
