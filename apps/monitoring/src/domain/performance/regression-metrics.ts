/** Root mean squared and mean absolute error of predictions against labels, as scikit-learn computes them. The caller checks there is at least one row. */
export function regressionMetrics(predictions: ArrayLike<number>, labels: ArrayLike<number>): { rmse: number; mae: number } {
  let squared = 0;
  let absolute = 0;
  for (let i = 0; i < labels.length; i++) {
    const error = labels[i] - predictions[i];
    squared += error * error;
    absolute += Math.abs(error);
  }
  return { rmse: Math.sqrt(squared / labels.length), mae: absolute / labels.length };
}
