/** The cut-off the training service evaluates at: a score at or above it is a positive call. */
const DEFAULT_DECISION_THRESHOLD = 0.5;

/**
 * Where log loss clips probabilities, as scikit-learn does for float64 input: [eps, 1 − eps] with
 * eps = np.finfo(np.float64).eps = 2⁻⁵², so a confidently wrong 0 or 1 costs −ln(eps) ≈ 36.04
 * instead of Infinity.
 */
const LOG_LOSS_EPS = Number.EPSILON;

/**
 * ROC-AUC as `sklearn.metrics.roc_auc_score`: the probability that a random positive scores above a
 * random negative, an exact tie counting a half. That is the Mann-Whitney U with average ranks over
 * positives × negatives; counted per group of equal scores, in integers and halves, so it is exact.
 * Undefined with one class only: there are no pairs to rank.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | undefined {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let u = 0;
  let positives = 0;
  let negativesBelow = 0;
  for (let start = 0; start < order.length; ) {
    let groupPositives = 0;
    let groupNegatives = 0;
    let end = start;
    for (; end < order.length && scores[order[end]] === scores[order[start]]; end++) {
      if (labels[order[end]] === 1) groupPositives++;
      else groupNegatives++;
    }
    u += groupPositives * (negativesBelow + groupNegatives / 2);
    positives += groupPositives;
    negativesBelow += groupNegatives;
    start = end;
  }
  const negatives = labels.length - positives;
  return positives === 0 || negatives === 0 ? undefined : u / (positives * negatives);
}

/** Mean cross-entropy of 0/1 labels under the predicted positive-class probabilities, as `sklearn.metrics.log_loss`. */
function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  const clip = (p: number) => Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
  let total = 0;
  // Clip the probability of the observed class (1 − p for a negative), in that order, as scikit-learn does.
  for (let i = 0; i < labels.length; i++) total -= Math.log(clip(labels[i] === 1 ? probabilities[i] : 1 - probabilities[i]));
  return total / labels.length;
}

/**
 * Binary-classifier metrics of positive-class probabilities against 0/1 labels (the caller checks
 * both, and that there is at least one row), keyed as scikit-learn and MLflow name them.
 *
 * A metric with a zero denominator is left out rather than reported as 0 (scikit-learn's default):
 * precision when nothing was called positive, recall when no label is positive, F1 when neither, and
 * roc_auc with one class. A 0 would read as "every positive call was wrong" and fire alerts on a
 * window that simply had no calls to judge.
 */
export function classificationMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>, threshold = DEFAULT_DECISION_THRESHOLD): Record<string, number> {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const calledPositive = probabilities[i] >= threshold;
    if (calledPositive && labels[i] === 1) tp++;
    else if (calledPositive) fp++;
    else if (labels[i] === 1) fn++;
  }
  const tn = labels.length - tp - fp - fn;
  const auc = rocAuc(probabilities, labels);
  return {
    ...(auc === undefined ? {} : { roc_auc: auc }),
    accuracy: (tp + tn) / labels.length,
    ...(tp + fp === 0 ? {} : { precision: tp / (tp + fp) }),
    ...(tp + fn === 0 ? {} : { recall: tp / (tp + fn) }),
    // 2·tp / (2·tp + fp + fn): the harmonic mean of precision and recall, still defined (as 0) when only one of them is.
    ...(tp + fp + fn === 0 ? {} : { f1: (2 * tp) / (2 * tp + fp + fn) }),
    log_loss: logLoss(probabilities, labels),
  };
}
