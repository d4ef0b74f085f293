import { type Violation } from './registered-model';

/** One declared tensor, its datatype named as in the Open Inference Protocol (FP32, BYTES, INT64…). */
export interface TensorDecl {
  name: string;
  datatype: string;
  /** -1 marks a variable dimension. */
  shape: number[];
  /** The input may be missing (serving feeds NaN or ""); kept so serving accepts what the model was trained to take. */
  nullable?: boolean;
  /** Logical feature type (FLOAT, CATEGORICAL…), when the producer declared one. */
  featureType?: string;
  description?: string;
}

export interface Signature {
  inputs: TensorDecl[];
  outputs: TensorDecl[];
}

/** A tensor as the runtime reports it from the model graph: dimensions are sizes or symbolic names. */
export interface ObservedTensor {
  name: string;
  datatype: string;
  shape: ReadonlyArray<number | string>;
}

export interface ObservedSignature {
  inputs: ObservedTensor[];
  outputs: ObservedTensor[];
}

/** Shape and names of a declared signature, before the artifact is looked at. */
export function validateSignature(signature: Signature, prefix = 'signature'): Violation[] {
  const violations: Violation[] = [];
  if (signature.inputs.length === 0) violations.push({ field: `${prefix}.inputs`, description: 'a model takes at least one input' });
  if (signature.outputs.length === 0) violations.push({ field: `${prefix}.outputs`, description: 'a model produces at least one output' });
  for (const side of ['inputs', 'outputs'] as const) {
    const seen = new Set<string>();
    signature[side].forEach((tensor, i) => {
      const field = `${prefix}.${side}[${i}]`;
      if (!tensor.name) violations.push({ field: `${field}.name`, description: 'is required' });
      else if (seen.has(tensor.name)) violations.push({ field: `${field}.name`, description: `"${tensor.name}" appears twice` });
      seen.add(tensor.name);
      if (!tensor.datatype) violations.push({ field: `${field}.datatype`, description: 'is required' });
      if (tensor.shape.some((d) => !(Number.isInteger(d) && (d === -1 || d > 0)))) violations.push({ field: `${field}.shape`, description: 'dimensions are positive sizes or -1 (variable)' });
    });
  }
  return violations;
}

/**
 * Whether the model graph honours the declared signature: every declared input and output exists
 * with the same datatype and a compatible shape, and the graph needs no undeclared input. A declared
 * variable dimension needs a variable one in the graph (a graph fixed to batch 1 would refuse batches);
 * a declared fixed size is a narrower promise and accepts either. Extra graph outputs are allowed.
 */
export function signatureMismatches(declared: Signature, observed: ObservedSignature, prefix = 'signature'): Violation[] {
  const violations: Violation[] = [];
  const compare = (side: 'inputs' | 'outputs') => {
    declared[side].forEach((tensor, i) => {
      const field = `${prefix}.${side}[${i}]`;
      const actual = observed[side].find((o) => o.name === tensor.name);
      if (!actual) {
        violations.push({ field: `${field}.name`, description: `the model has no ${side === 'inputs' ? 'input' : 'output'} "${tensor.name}" (it has ${observed[side].map((o) => o.name).join(', ') || 'none'})` });
        return;
      }
      if (actual.datatype !== tensor.datatype) violations.push({ field: `${field}.datatype`, description: `the model's "${tensor.name}" is ${actual.datatype}, not ${tensor.datatype}` });
      const problem = shapeProblem(tensor.shape, actual.shape);
      if (problem) violations.push({ field: `${field}.shape`, description: `"${tensor.name}": ${problem}` });
    });
  };
  compare('inputs');
  compare('outputs');
  const undeclared = observed.inputs.filter((o) => !declared.inputs.some((d) => d.name === o.name)).map((o) => o.name);
  if (undeclared.length > 0) violations.push({ field: `${prefix}.inputs`, description: `the model also needs ${undeclared.map((n) => `"${n}"`).join(', ')}, which the signature does not declare` });
  return violations;
}

const showShape = (shape: ReadonlyArray<number | string>) => `[${shape.map((d) => (typeof d === 'string' ? d || '?' : d)).join(', ')}]`;

function shapeProblem(declared: number[], actual: ReadonlyArray<number | string>): string | undefined {
  // The runtime reports an empty shape when the graph leaves it undefined: nothing to check against.
  if (actual.length === 0) return undefined;
  if (declared.length !== actual.length) return `the model's shape ${showShape(actual)} has rank ${actual.length}, the signature's ${showShape(declared)} rank ${declared.length}`;
  const index = declared.findIndex((d, i) => {
    const a = actual[i];
    const variable = typeof a === 'string' || a < 0;
    return d === -1 ? !variable : !variable && a !== d;
  });
  return index < 0 ? undefined : `dimension ${index} is ${showShape([actual[index]])} in the model but ${declared[index] === -1 ? 'variable' : declared[index]} in the signature ${showShape(declared)}`;
}
