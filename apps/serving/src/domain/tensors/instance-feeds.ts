import { type NanPolicy, type Scalar } from '../deployment';
import { type ModelSignature, type TensorSpec, type Violation } from '../signature';
import { invalidInput, listNames } from './invalid-input';
import { type BigIntArray, DATATYPES, type DatatypeTraits, type ElementKind, FP16_UNSUPPORTED, type FeedData, type FeedTensor, newTypedArray, type NumberArray, showShape } from './tensor';

/** One instance of a predict request: input (feature) name to value. */
export type Instance = Readonly<Record<string, Scalar | undefined>>;

type CellKind = Exclude<ElementKind, 'float16'>;

/**
 * Feeds for a batch of instances, one value per input and instance: each input becomes a tensor of
 * dims `[instances, 1, …]` (free dimensions after the batch are fed as 1). Missing values (absent,
 * null, or NaN/Infinity under the `as_missing` policy) of a nullable input become NaN for floats and
 * '' for BYTES, the encodings the platform's graphs impute; integer and BOOL inputs have no such
 * encoding, so a missing value there is refused. Values are never coerced across kinds: a number is
 * not a string (categorical codes are sent as strings), a timestamp is a number (epoch ms) only for a
 * timestamp feature. Every violation is collected before one InvalidInputError is thrown.
 */
export function instancesToFeeds(signature: ModelSignature, instances: ReadonlyArray<Instance>, nanPolicy: NanPolicy): Record<string, FeedTensor> {
  if (instances.length === 0) throw invalidInput([{ field: 'instances', description: 'needs at least one instance' }]);
  refuseTensorInputs(signature.inputs);
  const violations: Violation[] = [];
  reportUnknownFeatures(signature.inputs, instances, violations);
  const feeds: Record<string, FeedTensor> = {};
  for (const spec of signature.inputs) {
    const batch = spec.shape[0];
    if (batch !== -1 && batch !== instances.length) violations.push({ field: 'instances', description: `has ${instances.length} instances; the model's input "${spec.name}" takes exactly ${batch}` });
    const data = encodeInput(spec, instances, nanPolicy, violations);
    if (data) feeds[spec.name] = { type: DATATYPES[spec.datatype].ort, data, dims: spec.shape.map((_, axis) => (axis === 0 ? instances.length : 1)) };
  }
  if (violations.length > 0) throw invalidInput(violations);
  return feeds;
}

/** Inputs needing more than one value per instance (an image, a sequence) cannot come from instances at all. */
function refuseTensorInputs(inputs: readonly TensorSpec[]): void {
  const violations: Violation[] = [];
  for (const spec of inputs) {
    const perInstance = spec.shape.slice(1).reduce((count, dim) => (dim === -1 ? count : count * dim), 1);
    if (spec.shape.length > 0 && perInstance === 1) continue;
    const what = spec.shape.length === 0 ? 'one value for the whole request' : `${perInstance} values per instance`;
    violations.push({ field: 'instances', description: `cannot carry the model's input "${spec.name}", which takes ${what} (${showShape(spec.shape)}); send this model's requests with the Open Inference Protocol (ModelInfer)` });
  }
  if (violations.length > 0) throw invalidInput(violations);
}

function reportUnknownFeatures(inputs: readonly TensorSpec[], instances: ReadonlyArray<Instance>, violations: Violation[]): void {
  const known = new Set(inputs.map((spec) => spec.name));
  let description: string | undefined;
  for (let i = 0; i < instances.length; i++) {
    for (const name in instances[i]) {
      if (known.has(name)) continue;
      description ??= `is not an input of the model (it takes ${listNames([...known])})`;
      violations.push({ field: `instances[${i}].features.${name}`, description });
    }
  }
}

function encodeInput(spec: TensorSpec, instances: ReadonlyArray<Instance>, nanPolicy: NanPolicy, violations: Violation[]): FeedData | undefined {
  const traits = DATATYPES[spec.datatype];
  const kind = traits.kind;
  if (kind === 'float16') {
    violations.push({ field: 'instances', description: `cannot carry the model's input "${spec.name}": ${FP16_UNSUPPORTED}` });
    return undefined;
  }
  const data = spec.datatype === 'BYTES' ? new Array<string>(instances.length) : newTypedArray(spec.datatype, instances.length);
  for (let i = 0; i < instances.length; i++) {
    const problem = writeCell(data, i, instances[i][spec.name], spec, kind, traits, nanPolicy);
    if (problem !== undefined) violations.push({ field: `instances[${i}].features.${spec.name}`, description: problem });
  }
  return data;
}

/** Writes one value into `data[i]`; returns what is wrong with it instead when it does not fit. */
function writeCell(data: FeedData, i: number, given: Scalar | undefined, spec: TensorSpec, kind: CellKind, traits: DatatypeTraits, nanPolicy: NanPolicy): string | undefined {
  let value = given ?? null;
  if (typeof value === 'number' && !Number.isFinite(value)) {
    if (nanPolicy === 'reject') return `is ${value}; the deployment's NaN policy rejects it`;
    if (!spec.nullable) return `is ${value}, missing under the deployment's NaN policy, but is required`;
    value = null;
  }
  if (value === null) {
    if (!spec.nullable) return 'is required';
    switch (kind) {
      case 'float':
        (data as NumberArray)[i] = Number.NaN;
        return undefined;
      case 'string':
        (data as string[])[i] = '';
        return undefined;
      case 'int':
      case 'bigint':
      case 'bool':
        return `is missing, and ${spec.datatype} inputs have no missing-value encoding`;
    }
  }
  switch (kind) {
    case 'float': {
      const number = numberOf(value, spec);
      if (typeof number === 'string') return number;
      (data as NumberArray)[i] = number;
      return undefined;
    }
    case 'int':
    case 'bigint': {
      const number = numberOf(value, spec);
      if (typeof number === 'string') return number;
      if (!(Number.isInteger(number) && number >= traits.min && number <= traits.max)) return `must be an integer in [${traits.min}, ${traits.max}] (${spec.datatype}), not ${number}`;
      if (kind === 'bigint') (data as BigIntArray)[i] = BigInt(number);
      else (data as NumberArray)[i] = number;
      return undefined;
    }
    case 'bool':
      if (typeof value !== 'boolean') return `expects a boolean, not ${kindOf(value)}`;
      (data as NumberArray)[i] = value ? 1 : 0;
      return undefined;
    case 'string':
      if (typeof value !== 'string') return `expects a string, not ${kindOf(value)}${typeof value === 'number' ? ' (send categorical codes as strings)' : ''}`;
      (data as string[])[i] = value;
      return undefined;
  }
}

/** The value as a number, or what is wrong with it; a timestamp counts as epoch ms only for a timestamp feature. */
function numberOf(value: Exclude<Scalar, null>, spec: TensorSpec): number | string {
  if (typeof value === 'number') return value;
  if (!(value instanceof Date)) return `expects a number, not ${kindOf(value)}`;
  if (spec.featureType !== 'timestamp') return `expects a number, not a timestamp (the input is not a timestamp feature)`;
  const epochMs = value.getTime();
  return Number.isNaN(epochMs) ? 'is an invalid date' : epochMs;
}

const kindOf = (value: Exclude<Scalar, null>) => (value instanceof Date ? 'a timestamp' : `a ${typeof value}`);
