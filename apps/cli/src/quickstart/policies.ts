import { monitoringV1 } from '@mlops/proto';

/** The replay sends months in minutes, so windows count predictions rather than hours. */
export const DRIFT_WINDOW_PREDICTIONS = 2_000;

/** Alert rules: darkness (a seasonal feature) drifting in a window of predictions. */
export const ALERT_RULES = `rules:
  - name: darkness_drift
    metric: drift.dark.drifted
    comparison: ">="
    threshold: 1
    window: { kind: tumbling, count: ${DRIFT_WINDOW_PREDICTIONS} }
    for: 1s
    severity: critical
`;

/** The first promotion: gated, and approved by someone other than the requester. */
export const REVIEWED_PROMOTION = `target_alias: champion
gates:
  - metric: roc_auc
    floor: 0.5
required_approvals: 1
rollout: { kind: immediate }
`;

/**
 * From then on the loop closes by itself: a retrained version that passes its gates is promoted by
 * the registry with no person involved, as a canary that serving steps up under its rollback guard.
 */
export const AUTOMATIC_CANARY = `target_alias: champion
gates:
  - metric: roc_auc
    floor: 0.5
    max_regression: 0.05
required_approvals: 0
allow_automatic_promotion: true
rollout:
  kind: canary
  canary_weight: 0.2
  canary_steps: [0.5, 1]
  step_interval_seconds: 5
  rollback_guard: { enabled: true, max_error_rate_increase: 0.05, max_p99_latency_increase: 2, evaluation_window_seconds: 30, min_requests: 20 }
`;

/** Darkness drift requests one retrain of the base run (at most one a day); a canary is judged against stable on every replica's traffic. */
export function retrainPolicy(modelName: string, baseRunId: string): monitoringV1.RetrainPolicy {
  return monitoringV1.RetrainPolicy.fromPartial({
    modelName, enabled: true, triggerRules: ['darkness_drift'], baseRunId,
    cooldown: { seconds: 3600 }, maxRequests: 1, ratePeriod: { seconds: 86_400 },
    canary: { enabled: true, maxErrorRateIncrease: 0.05, maxP99LatencyIncrease: 2, metric: 'roc_auc', maxMetricRegression: 0.05, minRequests: 50 },
  });
}
