import { solveSymmetric } from './cholesky';

/**
 * Ridge regression solved exactly from the normal equations, (XᵀX + λI) β = Xᵀy, in one pass over
 * the rows: deterministic and with no learning rate to tune. The intercept is not regularised.
 */
export interface LinearParams {
  l2: number;
}

export const DEFAULT_LINEAR: LinearParams = { l2: 1 };

export interface LinearModel {
  weights: number[];
  intercept: number;
}

export function trainLinear(rows: Float64Array[], labels: ArrayLike<number>, params: LinearParams): LinearModel {
  const d = (rows[0]?.length ?? 0) + 1; // last coefficient: the intercept
  const gram = Array.from({ length: d }, () => new Float64Array(d));
  const moment = new Float64Array(d);
  rows.forEach((row, i) => {
    for (let j = 0; j < d; j++) {
      const xj = j === d - 1 ? 1 : row[j];
      if (xj === 0) continue;
      moment[j] += xj * labels[i];
      for (let k = 0; k <= j; k++) {
        const xk = k === d - 1 ? 1 : row[k];
        if (xk !== 0) gram[j][k] += xj * xk;
      }
    }
  });
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) gram[k][j] = gram[j][k];
    if (j < d - 1) gram[j][j] += params.l2;
    gram[j][j] += 1e-9; // keeps a column that is always zero from making the system singular
  }
  const beta = solveSymmetric(gram, moment);
  return { weights: Array.from(beta.subarray(0, d - 1)), intercept: beta[d - 1] };
}

export function predictLinear(model: LinearModel, row: ArrayLike<number>): number {
  let y = model.intercept;
  for (let j = 0; j < model.weights.length; j++) y += model.weights[j] * row[j];
  return y;
}
