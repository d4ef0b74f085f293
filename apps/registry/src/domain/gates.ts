import { LATENCY_METRIC, type MetricGate, type PromotionPolicy } from './policy';

export interface GateCheck {
  /** e.g. `roc_auc.max_regression`, `log_loss.ceiling`, `latency_p99`. */
  name: string;
  metric: string;
  /** Absent when the candidate lacks the metric. */
  candidateValue?: number;
  championValue?: number;
  /** Absent when a relative check had nothing to compare with. */
  threshold?: number;
  passed: boolean;
  message: string;
}

export interface GateResult {
  passed: boolean;
  checks: GateCheck[];
  /** 0 when there is no champion. */
  championVersion: number;
  policyRevision: number;
  evaluatedAt: Date;
}

export interface VersionMetrics {
  version: number;
  metrics: Record<string, number>;
  /** `baselineRunId`: the run whose model the candidate's `baseline.<name>` metrics scored. */
  lineage?: { trainingRunId: string; baselineRunId?: string };
}

/** Prefix of a candidate's metrics for another model scored on the candidate's own test rows. */
export const BASELINE_PREFIX = 'baseline.';

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : Number(n.toPrecision(6)).toString());

/**
 * Evaluates a candidate against the policy and the current champion. Every check is kept with its
 * numbers, passed or not, so a refusal explains itself. A metric the candidate lacks fails its gate;
 * a relative check is skipped (and says so) when there is no champion or the champion lacks the metric.
 */
export function evaluateGates(policy: PromotionPolicy, policyRevision: number, candidate: VersionMetrics, champion: VersionMetrics | undefined, now: Date): GateResult {
  const checks = policy.metricGates.flatMap((gate) => metricChecks(gate, candidate, champion));
  if (policy.maxP99LatencyMs !== undefined) checks.push(latencyCheck(policy.maxP99LatencyMs, candidate));
  return { passed: checks.every((c) => c.passed), checks, championVersion: champion?.version ?? 0, policyRevision, evaluatedAt: now };
}

function metricChecks(gate: MetricGate, candidate: VersionMetrics, champion: VersionMetrics | undefined): GateCheck[] {
  const value = candidate.metrics[gate.metric];
  const higher = gate.direction === 'higher_is_better';
  if (value === undefined || !Number.isFinite(value)) {
    return [{ name: `${gate.metric}.present`, metric: gate.metric, passed: false, message: `version ${candidate.version} has no ${gate.metric} metric` }];
  }
  const checks: GateCheck[] = [];
  if (gate.maxRegression !== undefined) {
    // The champion scored on the candidate's test rows, when the candidate brought that score: the
    // fair comparison. Otherwise the champion's own test metric, from another test period.
    const sameRows = champion && candidate.lineage?.baselineRunId && candidate.lineage.baselineRunId === champion.lineage?.trainingRunId ? candidate.metrics[`${BASELINE_PREFIX}${gate.metric}`] : undefined;
    const championValue = sameRows ?? champion?.metrics[gate.metric];
    if (championValue === undefined) {
      checks.push({
        name: `${gate.metric}.max_regression`, metric: gate.metric, candidateValue: value, passed: true,
        message: champion ? `champion version ${champion.version} has no ${gate.metric}: relative check skipped` : 'no champion yet: relative check skipped',
      });
    } else {
      const threshold = higher ? championValue - gate.maxRegression : championValue + gate.maxRegression;
      // Decimals do not add up exactly in binary (0.13 - 0.01 is 0.12000000000000001): a candidate at the
      // threshold as written must pass, so allow for the rounding of the sum, far below any real difference.
      const slack = 1e-12 * Math.max(Math.abs(championValue), Math.abs(gate.maxRegression));
      const passed = higher ? value >= threshold - slack : value <= threshold + slack;
      const sign = higher ? '-' : '+';
      const relation = passed ? (higher ? '>=' : '<=') : higher ? '<' : '>';
      checks.push({
        name: `${gate.metric}.max_regression`, metric: gate.metric, candidateValue: value, championValue, threshold, passed,
        message: `${gate.metric} ${fmt(value)} ${relation} champion ${fmt(championValue)}${sameRows === undefined ? '' : ' on the same test rows'} ${sign} ${fmt(gate.maxRegression)} = ${fmt(threshold)}`,
      });
    }
  }
  if (gate.absoluteThreshold !== undefined) {
    const threshold = gate.absoluteThreshold;
    const passed = higher ? value >= threshold : value <= threshold;
    const relation = passed ? (higher ? '>=' : '<=') : higher ? '<' : '>';
    checks.push({
      name: `${gate.metric}.${higher ? 'floor' : 'ceiling'}`, metric: gate.metric, candidateValue: value, threshold, passed,
      message: `${gate.metric} ${fmt(value)} ${relation} ${higher ? 'floor' : 'ceiling'} ${fmt(threshold)}`,
    });
  }
  return checks;
}

function latencyCheck(budgetMs: number, candidate: VersionMetrics): GateCheck {
  const value = candidate.metrics[LATENCY_METRIC];
  if (value === undefined) {
    return { name: 'latency_p99', metric: LATENCY_METRIC, threshold: budgetMs, passed: false, message: `version ${candidate.version} has no ${LATENCY_METRIC} measurement` };
  }
  const passed = value <= budgetMs;
  return { name: 'latency_p99', metric: LATENCY_METRIC, candidateValue: value, threshold: budgetMs, passed, message: `p99 latency ${fmt(value)} ms ${passed ? '<=' : '>'} budget ${fmt(budgetMs)} ms` };
}
