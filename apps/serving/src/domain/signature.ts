/** Element types, named as in the Open Inference Protocol. */
export type OipDatatype = 'BOOL' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** Logical type of the feature a tensor was built from. */
export type FeatureKind = 'int' | 'float' | 'string' | 'bool' | 'timestamp' | 'categorical';

/** One named tensor of a model signature. */
export interface TensorSpec {
  name: string;
  datatype: OipDatatype;
  /** -1 marks a variable dimension (the first one is the batch). */
  shape: number[];
  featureType?: FeatureKind;
  /** Whether a missing value is accepted (imputed inside the graph). */
  nullable: boolean;
}

/** What a model version takes and produces, as registered. */
export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** A request problem tied to the field that caused it (`instances[2].features.distance`). */
export interface Violation {
  field: string;
  description: string;
}

/** The request does not fit the model; every violation is listed, not only the first. */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';
  constructor(
    message: string,
    readonly violations: Violation[],
  ) {
    super(message);
  }
}
