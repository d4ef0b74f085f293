import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type FeatureColumn } from '../domain/preprocessing';

/** A model that does not follow the contract; the message says what is wrong with it. */
export class ModelContractError extends Error {
  override name = 'ModelContractError';
}

const BATCH_ROWS = 8_192;

/**
 * Opens a model as serving will (onnxruntime), checks it against the platform's contract and scores
 * rows with it: one input per feature named as the feature (float [batch, 1] for numbers with NaN
 * for missing, string [batch, 1] for categories), and one float [batch, 1] output named `output`.
 * An external trainer's model is evaluated by the platform this way, not only by its own claims.
 */
export async function scoreWithOnnx(modelBytes: Uint8Array, features: FeatureColumn[], rows: Uint32Array, output: string): Promise<Float64Array> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(modelBytes);
  } catch (error) {
    throw new ModelContractError(`model.onnx does not load in onnxruntime: ${(error as Error).message}`);
  }
  try {
    const missing = features.filter((f) => !session.inputNames.includes(f.name)).map((f) => f.name);
    const extra = session.inputNames.filter((name) => !features.some((f) => f.name === name));
    if (missing.length > 0 || extra.length > 0) {
      throw new ModelContractError(`model.onnx must take one input per feature, named as the feature${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not features: ${extra.join(', ')}` : ''}`);
    }
    if (!session.outputNames.includes(output)) throw new ModelContractError(`model.onnx must have an output "${output}" (it has ${session.outputNames.join(', ')})`);

    const predictions = new Float64Array(rows.length);
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const batch = rows.subarray(start, start + BATCH_ROWS);
      const feeds: Record<string, Tensor> = {};
      for (const f of features) {
        feeds[f.name] =
          f.kind === 'numeric'
            ? new Tensor('float32', Float32Array.from(batch, (i) => (typeof f.values[i] === 'number' ? f.values[i] : Number.NaN)), [batch.length, 1])
            : new Tensor('string', Array.from(batch, (i) => (typeof f.values[i] === 'string' ? f.values[i] : '')), [batch.length, 1]);
      }
      let result: InferenceSession.ReturnType;
      try {
        result = await session.run(feeds, [output]);
      } catch (error) {
        throw new ModelContractError(`model.onnx failed on the test rows: ${(error as Error).message}`);
      }
      const values = result[output];
      if (values.type !== 'float32' && values.type !== 'float64') throw new ModelContractError(`output "${output}" must be float, not ${values.type}`);
      if (values.size !== batch.length) throw new ModelContractError(`output "${output}" must be [batch, 1]; it gave ${values.size} values for ${batch.length} rows`);
      predictions.set(values.data as Float32Array, start);
    }
    return predictions;
  } finally {
    await session.release();
  }
}
