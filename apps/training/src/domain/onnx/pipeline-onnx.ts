import { type GbdtModel } from '../gbdt';
import { type LinearModel } from '../linear-regression';
import { type LogisticModel } from '../logistic-regression';
import { type FeatureEncoding } from '../preprocessing';
import { gbdtNodes } from './gbdt-onnx';
import { type Model, type Node, TensorType, type ValueInfo } from './onnx-model';

export type Trained = { kind: 'gbdt'; model: GbdtModel } | { kind: 'logistic'; model: LogisticModel } | { kind: 'linear'; model: LinearModel };

/** The graph's one output: `probability` of the positive class for a classifier, `prediction` for a regressor. */
export function outputNameOf(trained: Trained): 'probability' | 'prediction' {
  return trained.kind === 'logistic' || (trained.kind === 'gbdt' && trained.model.objective === 'logistic') ? 'probability' : 'prediction';
}

/**
 * The whole model as one ONNX graph from raw values: one input per feature (numbers as float
 * [batch, 1], categories as string [batch, 1]), the preprocessing learned in training, the model,
 * and one float output [batch, 1] named by `outputNameOf`. Serving needs nothing else.
 */
export function pipelineModel(encodings: FeatureEncoding[], trained: Trained, metadata: Record<string, string> = {}): Model {
  const output = outputNameOf(trained);
  const inputs: ValueInfo[] = encodings.map((e) => ({ name: e.name, type: e.kind === 'numeric' ? TensorType.FLOAT : TensorType.STRING, shape: ['batch', 1] }));
  const nodes: Node[] = [];
  const columns: string[] = [];
  for (const e of encodings) {
    const out = `${e.name}__encoded`;
    if (trained.kind === 'gbdt') {
      // Trees take numbers as they are (NaN = missing) and categories as their training codes.
      if (e.kind === 'numeric') {
        columns.push(e.name);
        continue;
      }
      nodes.push({
        opType: 'LabelEncoder', domain: 'ai.onnx.ml', inputs: [e.name], outputs: [out],
        attributes: { keys_strings: { strings: e.categories }, values_floats: { floats: e.categories.map((_c, i) => i) }, default_float: { float: Number.NaN } },
      });
    } else if (e.kind === 'numeric') {
      nodes.push(
        { opType: 'Imputer', domain: 'ai.onnx.ml', inputs: [e.name], outputs: [`${e.name}__imputed`], attributes: { imputed_value_floats: { floats: [e.median] }, replaced_value_float: { float: Number.NaN } } },
        { opType: 'Scaler', domain: 'ai.onnx.ml', inputs: [`${e.name}__imputed`], outputs: [out], attributes: { offset: { floats: [e.mean] }, scale: { floats: [1 / e.std] } } },
      );
    } else {
      nodes.push(
        { opType: 'OneHotEncoder', domain: 'ai.onnx.ml', inputs: [e.name], outputs: [`${e.name}__onehot`], attributes: { cats_strings: { strings: e.categories }, zeros: { int: 1 } } },
        { opType: 'Flatten', inputs: [`${e.name}__onehot`], outputs: [out], attributes: { axis: { int: 1 } } },
      );
    }
    columns.push(out);
  }
  nodes.push({ opType: 'Concat', inputs: columns, outputs: ['features'], attributes: { axis: { int: 1 } } });
  const initializers = [];
  if (trained.kind === 'gbdt') {
    nodes.push(...gbdtNodes(trained.model, 'features', output));
  } else {
    const { weights, intercept } = trained.model;
    initializers.push(
      { name: 'weights', type: TensorType.FLOAT, dims: [weights.length, 1], floats: weights },
      { name: 'intercept', type: TensorType.FLOAT, dims: [1], floats: [intercept] },
    );
    nodes.push(
      { opType: 'MatMul', inputs: ['features', 'weights'], outputs: ['weighted'] },
      ...(trained.kind === 'logistic'
        ? [{ opType: 'Add', inputs: ['weighted', 'intercept'], outputs: ['score'] }, { opType: 'Sigmoid', inputs: ['score'], outputs: [output] }]
        : [{ opType: 'Add', inputs: ['weighted', 'intercept'], outputs: [output] }]),
    );
  }
  return {
    producer: 'mlops-training',
    producerVersion: '1',
    opsets: { '': 17, 'ai.onnx.ml': 3 },
    metadata,
    graph: { name: trained.kind, inputs, outputs: [{ name: output, type: TensorType.FLOAT, shape: ['batch', 1] }], nodes, initializers },
  };
}
