import { type GbdtModel, type TreeNode } from '../gbdt';
import { type Model, type Node, TensorType } from './onnx-model';

/**
 * A GBDT as ONNX nodes: one TreeEnsembleRegressor (ai.onnx.ml) summing every tree's leaf into the
 * score, then, for the logistic objective, a Sigmoid. Input is float [batch, featureCount] with NaN
 * for missing values; `output` is the probability of the positive class or the predicted value.
 */
export function gbdtNodes(model: GbdtModel, input: string, output: string): Node[] {
  const logistic = model.objective === 'logistic';
  const a = {
    treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], modes: [] as string[], values: [] as number[],
    trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[],
    targetTrees: [] as number[], targetNodes: [] as number[], targetWeights: [] as number[],
  };
  model.trees.forEach((tree, treeId) => {
    let next = 0;
    const visit = (node: TreeNode): number => {
      const id = next++;
      const at = a.nodeIds.length;
      a.treeIds.push(treeId);
      a.nodeIds.push(id);
      if ('leaf' in node) {
        a.featureIds.push(0);
        a.modes.push('LEAF');
        a.values.push(0);
        a.trueIds.push(0);
        a.falseIds.push(0);
        a.missingTrue.push(0);
        a.targetTrees.push(treeId);
        a.targetNodes.push(id);
        a.targetWeights.push(node.leaf);
        return id;
      }
      a.featureIds.push(node.feature);
      a.modes.push('BRANCH_LEQ');
      a.values.push(node.threshold);
      a.missingTrue.push(node.missingGoesLeft ? 1 : 0);
      a.trueIds.push(0);
      a.falseIds.push(0);
      a.trueIds[at] = visit(node.left);
      a.falseIds[at] = visit(node.right);
      return id;
    };
    visit(tree);
  });
  return [
    {
      opType: 'TreeEnsembleRegressor',
      domain: 'ai.onnx.ml',
      inputs: [input],
      outputs: [logistic ? 'score' : output],
      attributes: {
        n_targets: { int: 1 },
        aggregate_function: { string: 'SUM' },
        post_transform: { string: 'NONE' },
        base_values: { floats: [model.baseScore] },
        nodes_treeids: { ints: a.treeIds },
        nodes_nodeids: { ints: a.nodeIds },
        nodes_featureids: { ints: a.featureIds },
        nodes_modes: { strings: a.modes },
        nodes_values: { floats: a.values },
        nodes_truenodeids: { ints: a.trueIds },
        nodes_falsenodeids: { ints: a.falseIds },
        nodes_missing_value_tracks_true: { ints: a.missingTrue },
        target_treeids: { ints: a.targetTrees },
        target_nodeids: { ints: a.targetNodes },
        target_ids: { ints: a.targetTrees.map(() => 0) },
        target_weights: { floats: a.targetWeights },
      },
    },
    ...(logistic ? [{ opType: 'Sigmoid', inputs: ['score'], outputs: [output] }] : []),
  ];
}

/** A standalone model of a GBDT over already-numeric features, output `probability` or `prediction`. */
export function gbdtModel(model: GbdtModel, metadata: Record<string, string> = {}): Model {
  const output = model.objective === 'logistic' ? 'probability' : 'prediction';
  return {
    producer: 'mlops-training',
    producerVersion: '1',
    opsets: { '': 17, 'ai.onnx.ml': 3 },
    metadata,
    graph: {
      name: 'gbdt',
      inputs: [{ name: 'features', type: TensorType.FLOAT, shape: ['batch', model.featureCount] }],
      outputs: [{ name: output, type: TensorType.FLOAT, shape: ['batch', 1] }],
      nodes: gbdtNodes(model, 'features', output),
    },
  };
}
