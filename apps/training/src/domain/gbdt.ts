/**
 * Gradient-boosted decision trees for binary classification (logistic loss) and regression
 * (squared loss), histogram-based:
 * each feature's values are put into at most `maxBins` bins once, and every split search sums
 * gradients per bin instead of sorting. Missing values (NaN) have their own bin and go to whichever
 * side gains more. Values are float32 throughout, as ONNX compares them, so an exported model
 * takes exactly the same branches. No randomness: the same data and parameters give the same trees.
 */

/** logistic: 0/1 labels, scores are log-odds; squared: any number, scores are the prediction. */
export type GbdtObjective = 'logistic' | 'squared';

export interface GbdtParams {
  objective: GbdtObjective;
  rounds: number;
  learningRate: number;
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  maxBins: number;
  /** Stop when the validation loss has not improved for this many rounds (0 = never). */
  earlyStoppingRounds: number;
}

export const DEFAULT_GBDT: GbdtParams = { objective: 'logistic', rounds: 200, learningRate: 0.1, maxDepth: 6, minSamplesLeaf: 20, lambda: 1, maxBins: 255, earlyStoppingRounds: 20 };

/** Column-major float features (NaN = missing) and labels (0/1 for the logistic objective). */
export interface TrainingData {
  features: Float32Array[];
  labels: ArrayLike<number>;
}

export type TreeNode = { leaf: number } | { feature: number; threshold: number; missingGoesLeft: boolean; left: TreeNode; right: TreeNode };

export interface GbdtModel {
  objective: GbdtObjective;
  /** Score every prediction starts from: the log-odds of the prior, or the mean label. */
  baseScore: number;
  trees: TreeNode[];
  featureCount: number;
}

/** Loss per round: log loss for the logistic objective, RMSE for the squared one. */
export interface GbdtHistory {
  trainLoss: number[];
  validLoss: number[];
  bestRound: number;
}

const MISSING = 255;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Bin edges per feature: thresholds between distinct values, at quantiles when there are too many. */
function binEdges(values: Float32Array, maxBins: number): Float32Array {
  const present = Float32Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const distinct: number[] = [];
  for (const v of present) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  const bins = Math.min(maxBins - 1, distinct.length);
  const edges: number[] = [];
  // An edge is the largest value of its bin: "x <= edge" goes left, exactly as ONNX's BRANCH_LEQ.
  for (let b = 1; b < bins; b++) {
    const edge = distinct[Math.floor((b * distinct.length) / bins) - 1];
    if (edges.length === 0 || edges[edges.length - 1] < edge) edges.push(edge);
  }
  return Float32Array.from(edges);
}

function binOf(edges: Float32Array, value: number): number {
  if (Number.isNaN(value)) return MISSING;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  missingGoesLeft: boolean;
}

/** After each boosting round: its number (from 1) and the losses so far (for progress and metrics). */
export type RoundListener = (round: number, history: GbdtHistory) => void;

/** Trains on `train`, watching `valid` for early stopping when given. */
export function trainGbdt(train: TrainingData, valid: TrainingData | undefined, params: GbdtParams, onRound?: RoundListener): { model: GbdtModel; history: GbdtHistory } {
  const n = train.labels.length;
  const featureCount = train.features.length;
  if (params.maxBins < 2 || params.maxBins > MISSING) throw new RangeError(`maxBins must be in [2, ${MISSING}]`);
  const edges = train.features.map((column) => binEdges(column, params.maxBins));
  const bins = train.features.map((column, f) => Uint8Array.from(column, (v) => binOf(edges[f], v)));

  const logistic = params.objective === 'logistic';
  const baseScore = Math.fround(initialScore(train.labels, logistic));
  const score = new Float64Array(n).fill(baseScore);
  const validScore = valid ? new Float64Array(valid.labels.length).fill(baseScore) : undefined;
  const gradient = new Float64Array(n);
  const hessian = new Float64Array(n).fill(1);
  const trees: TreeNode[] = [];
  const history: GbdtHistory = { trainLoss: [], validLoss: [], bestRound: 0 };
  const lossOf = logistic ? logLossOf : rmseOf;
  let best = Number.POSITIVE_INFINITY;

  for (let round = 0; round < params.rounds; round++) {
    for (let i = 0; i < n; i++) {
      if (logistic) {
        const p = sigmoid(score[i]);
        gradient[i] = p - train.labels[i];
        hessian[i] = Math.max(p * (1 - p), 1e-16);
      } else gradient[i] = score[i] - train.labels[i];
    }
    const all = Uint32Array.from({ length: n }, (_, i) => i);
    const tree = grow(all, 0);
    trees.push(tree);
    for (let i = 0; i < n; i++) score[i] += leafOf(tree, (f) => train.features[f][i]);
    history.trainLoss.push(lossOf(score, train.labels));
    if (valid && validScore) {
      for (let i = 0; i < validScore.length; i++) validScore[i] += leafOf(tree, (f) => valid.features[f][i]);
      const loss = lossOf(validScore, valid.labels);
      history.validLoss.push(loss);
      if (loss < best - 1e-12) {
        best = loss;
        history.bestRound = round + 1;
      } else if (params.earlyStoppingRounds > 0 && round + 1 - history.bestRound >= params.earlyStoppingRounds) break;
    } else history.bestRound = round + 1;
    onRound?.(round + 1, history);
  }
  return { model: { objective: params.objective, baseScore, trees: trees.slice(0, history.bestRound), featureCount }, history };

  function leafValue(rows: Uint32Array): number {
    let g = 0;
    let h = 0;
    for (const i of rows) {
      g += gradient[i];
      h += hessian[i];
    }
    return Math.fround((-g / (h + params.lambda)) * params.learningRate);
  }

  function grow(rows: Uint32Array, depth: number): TreeNode {
    const split = depth < params.maxDepth && rows.length >= 2 * params.minSamplesLeaf ? bestSplit(rows) : undefined;
    if (!split) return { leaf: leafValue(rows) };
    const column = bins[split.feature];
    const goesLeft = (i: number) => (column[i] === MISSING ? split.missingGoesLeft : column[i] <= split.bin);
    const left = rows.filter(goesLeft);
    const right = rows.filter((i) => !goesLeft(i));
    return { feature: split.feature, threshold: edges[split.feature][split.bin], missingGoesLeft: split.missingGoesLeft, left: grow(left, depth + 1), right: grow(right, depth + 1) };
  }

  function bestSplit(rows: Uint32Array): Split | undefined {
    let totalG = 0;
    let totalH = 0;
    for (const i of rows) {
      totalG += gradient[i];
      totalH += hessian[i];
    }
    const parent = (totalG * totalG) / (totalH + params.lambda);
    let best: Split | undefined;
    const g = new Float64Array(MISSING + 1);
    const h = new Float64Array(MISSING + 1);
    const c = new Uint32Array(MISSING + 1);
    for (let f = 0; f < featureCount; f++) {
      g.fill(0);
      h.fill(0);
      c.fill(0);
      const column = bins[f];
      for (const i of rows) {
        const b = column[i];
        g[b] += gradient[i];
        h[b] += hessian[i];
        c[b]++;
      }
      let leftG = 0;
      let leftH = 0;
      let leftC = 0;
      // Split after bin b: bins 0..b go left; missing values try both sides.
      for (let b = 0; b < edges[f].length; b++) {
        leftG += g[b];
        leftH += h[b];
        leftC += c[b];
        for (const missingGoesLeft of [false, true]) {
          const lg = leftG + (missingGoesLeft ? g[MISSING] : 0);
          const lh = leftH + (missingGoesLeft ? h[MISSING] : 0);
          const lc = leftC + (missingGoesLeft ? c[MISSING] : 0);
          const rc = rows.length - lc;
          if (lc < params.minSamplesLeaf || rc < params.minSamplesLeaf) continue;
          const rg = totalG - lg;
          const rh = totalH - lh;
          const gain = (lg * lg) / (lh + params.lambda) + (rg * rg) / (rh + params.lambda) - parent;
          if (gain > 1e-12 && (!best || gain > best.gain)) best = { gain, feature: f, bin: b, missingGoesLeft };
          if (c[MISSING] === 0) break; // without missing values both directions are the same split
        }
      }
    }
    return best;
  }
}

function leafOf(node: TreeNode, value: (feature: number) => number): number {
  while (!('leaf' in node)) {
    const v = value(node.feature);
    node = Number.isNaN(v) ? (node.missingGoesLeft ? node.left : node.right) : v <= node.threshold ? node.left : node.right;
  }
  return node.leaf;
}

function initialScore(labels: ArrayLike<number>, logistic: boolean): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += labels[i];
  if (!logistic) return sum / labels.length;
  const prior = Math.min(Math.max(sum / labels.length, 1e-6), 1 - 1e-6);
  return Math.log(prior / (1 - prior));
}

function rmseOf(scores: Float64Array, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += (scores[i] - labels[i]) ** 2;
  return Math.sqrt(sum / scores.length);
}

function logLossOf(scores: Float64Array, labels: ArrayLike<number>): number {
  let loss = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(Math.max(sigmoid(scores[i]), 1e-15), 1 - 1e-15);
    loss -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return loss / scores.length;
}

/**
 * The model's output for one row of float32 features (NaN = missing): the probability of the
 * positive class for the logistic objective, the predicted value for the squared one.
 */
export function predictGbdt(model: GbdtModel, row: ArrayLike<number>): number {
  let score = model.baseScore;
  for (const tree of model.trees) score += leafOf(tree, (f) => row[f]);
  return model.objective === 'logistic' ? sigmoid(score) : score;
}
