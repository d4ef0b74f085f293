import { solveSymmetric } from './cholesky';
import { predictLinear } from './linear-regression';

/**
 * L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
 * squares): a handful of exact steps instead of a tuned learning rate, deterministic, and with a
 * convergence criterion that means something. Fine for the tens of columns tabular models have.
 */
export interface LogisticParams {
  l2: number;
  maxIterations: number;
  tolerance: number;
}

export const DEFAULT_LOGISTIC: LogisticParams = { l2: 1, maxIterations: 50, tolerance: 1e-8 };

export interface LogisticModel {
  weights: number[];
  intercept: number;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function trainLogistic(rows: Float64Array[], labels: ArrayLike<number>, params: LogisticParams): LogisticModel {
  const d = (rows[0]?.length ?? 0) + 1; // last coefficient: the intercept (not regularised)
  const beta = new Float64Array(d);
  for (let iteration = 0; iteration < params.maxIterations; iteration++) {
    const gradient = new Float64Array(d);
    const hessian = Array.from({ length: d }, () => new Float64Array(d));
    rows.forEach((row, i) => {
      let z = beta[d - 1];
      for (let j = 0; j < d - 1; j++) z += beta[j] * row[j];
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      const r = p - labels[i];
      for (let j = 0; j < d; j++) {
        const xj = j === d - 1 ? 1 : row[j];
        if (xj === 0) continue;
        gradient[j] += r * xj;
        for (let k = 0; k <= j; k++) {
          const xk = k === d - 1 ? 1 : row[k];
          if (xk !== 0) hessian[j][k] += w * xj * xk;
        }
      }
    });
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < j; k++) hessian[k][j] = hessian[j][k];
      if (j < d - 1) {
        gradient[j] += params.l2 * beta[j];
        hessian[j][j] += params.l2;
      }
      hessian[j][j] += 1e-9; // keeps a column that is always zero from making the system singular
    }
    const step = solveSymmetric(hessian, gradient);
    let largest = 0;
    for (let j = 0; j < d; j++) {
      beta[j] -= step[j];
      largest = Math.max(largest, Math.abs(step[j]));
    }
    if (largest < params.tolerance) break;
  }
  return { weights: Array.from(beta.subarray(0, d - 1)), intercept: beta[d - 1] };
}

export function predictLogistic(model: LogisticModel, row: ArrayLike<number>): number {
  return sigmoid(predictLinear(model, row));
}
