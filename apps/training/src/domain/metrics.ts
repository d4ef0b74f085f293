/** Binary classification metrics over predicted probabilities of the positive class. */
export interface ClassificationMetrics {
  rocAuc: number;
  logLoss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * ROC-AUC as the probability that a random positive scores above a random negative (ties count a
 * half), from one sort: the Mann–Whitney U statistic.
 */
export function rocAuc(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => probabilities[a] - probabilities[b]);
  let rankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && probabilities[order[end + 1]] === probabilities[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]]) {
        rankSum += averageRank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function classificationMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): ClassificationMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i], 1e-15), 1 - 1e-15);
    loss -= labels[i] ? Math.log(p) : Math.log(1 - p);
    const predicted = probabilities[i] >= threshold;
    if (predicted && labels[i]) tp++;
    else if (predicted) fp++;
    else if (labels[i]) fn++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    rocAuc: rocAuc(probabilities, labels),
    logLoss: loss / labels.length,
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

/** Regression metrics of predictions against labels, named as scikit-learn names them. */
export function regressionMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): { rmse: number; mae: number; r2: number } {
  const n = labels.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += labels[i];
  const mean = sum / n;
  let squared = 0;
  let absolute = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const error = predictions[i] - labels[i];
    squared += error * error;
    absolute += Math.abs(error);
    total += (labels[i] - mean) ** 2;
  }
  // R² of a constant label is undefined (scikit-learn reports 1 or 0 by convention; NaN says so).
  return { rmse: Math.sqrt(squared / n), mae: absolute / n, r2: total === 0 ? Number.NaN : 1 - squared / total };
}
