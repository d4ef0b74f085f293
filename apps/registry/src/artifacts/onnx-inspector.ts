import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type ObservedSignature, type ObservedTensor, type Signature } from '../domain/signature';

/** The artifact is not a model onnxruntime can open, or it fails on a well-formed input. */
export class UnloadableModelError extends Error {
  override name = 'UnloadableModelError';
}

interface Inspection {
  observed: ObservedSignature;
  /** Single-row inference latency on this host, measured on inputs shaped by the signature. */
  latencyP99Ms: number;
}

const OIP_TYPES: Record<string, string> = {
  bool: 'BOOL', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64',
  float16: 'FP16', float32: 'FP32', float64: 'FP64', string: 'BYTES',
};
const WARM_UP_RUNS = 20;
const TIMED_RUNS = 200;

function observed(metadata: readonly InferenceSession.ValueMetadata[]): ObservedTensor[] {
  return metadata.map((m) => (m.isTensor ? { name: m.name, datatype: OIP_TYPES[m.type] ?? m.type.toUpperCase(), shape: m.shape } : { name: m.name, datatype: 'NON_TENSOR', shape: [] }));
}

/** A one-row input per declared tensor: zeros, empty strings, false. Latency of tabular graphs hardly depends on the values. */
function sampleInput(signature: Signature): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const input of signature.inputs) {
    const dims = input.shape.map((d) => (d === -1 ? 1 : d));
    const size = dims.reduce((n, d) => n * d, 1);
    switch (input.datatype) {
      case 'BYTES': feeds[input.name] = new Tensor('string', Array.from({ length: size }, () => ''), dims); break;
      case 'BOOL': feeds[input.name] = new Tensor('bool', new Uint8Array(size), dims); break;
      case 'INT64': feeds[input.name] = new Tensor('int64', new BigInt64Array(size), dims); break;
      case 'INT32': feeds[input.name] = new Tensor('int32', new Int32Array(size), dims); break;
      case 'FP64': feeds[input.name] = new Tensor('float64', new Float64Array(size), dims); break;
      default: feeds[input.name] = new Tensor('float32', new Float32Array(size), dims);
    }
  }
  return feeds;
}

/**
 * Opens a model artifact in onnxruntime, as serving will, to read the signature the graph really
 * has and to time single-row inference: a promotion's latency budget is checked against that.
 */
@Injectable()
export class OnnxInspector {
  /**
   * Reads the graph's signature and hands it to `check`, which throws when it disagrees with
   * `declared`; only a model that agrees is then timed on inputs shaped by `declared`.
   */
  async inspect(model: Uint8Array, declared: Signature, check: (observed: ObservedSignature) => void): Promise<Inspection> {
    const session = await this.open(model);
    try {
      const signature = { inputs: observed(session.inputMetadata), outputs: observed(session.outputMetadata) };
      check(signature);
      const feeds = sampleInput(declared);
      const outputs = declared.outputs.map((o) => o.name);
      const timings: number[] = [];
      try {
        for (let i = 0; i < WARM_UP_RUNS + TIMED_RUNS; i++) {
          const started = performance.now();
          await session.run(feeds, outputs);
          if (i >= WARM_UP_RUNS) timings.push(performance.now() - started);
        }
      } catch (error) {
        throw new UnloadableModelError(`the model fails on a one-row input shaped by its signature: ${(error as Error).message}`);
      }
      timings.sort((a, b) => a - b);
      return { observed: signature, latencyP99Ms: timings[Math.ceil(timings.length * 0.99) - 1] };
    } finally {
      await session.release();
    }
  }

  private async open(model: Uint8Array): Promise<InferenceSession> {
    try {
      return await InferenceSession.create(model);
    } catch (error) {
      throw new UnloadableModelError(`the artifact does not load in onnxruntime: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}
