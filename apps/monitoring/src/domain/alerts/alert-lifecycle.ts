import { type AlertRule, compare } from './alert-rule';
import { formatDuration } from './duration';

/** The alert of one rule for one (model, version, arm); undefined = inactive. */
export type AlertState = { state: 'pending'; pendingSince: Date } | { state: 'firing'; pendingSince: Date; firedAt: Date };

/** `cleared`: a pending alert whose condition stopped holding before it fired. */
export type AlertTransition = 'none' | 'pending' | 'fired' | 'resolved' | 'cleared';

export interface AlertStep {
  state: AlertState | undefined;
  transition: AlertTransition;
}

type Condition = Pick<AlertRule, 'comparison' | 'threshold' | 'forMs'>;

/**
 * The alert after one value of its series, Prometheus-like: inactive -> pending when the condition
 * holds, pending -> firing once it has held for `forMs` (at once when forMs is 0), back to inactive
 * when it stops. `at` is series time, the end of the window the value belongs to, so a replay
 * walks through the same states as live traffic did.
 */
export function nextAlertState(current: AlertState | undefined, rule: Condition, value: number | undefined, at: Date): AlertStep {
  const unchanged: AlertStep = { state: current, transition: 'none' };
  // Insufficient data: a window too small to judge says nothing either way, so it neither starts
  // nor ends an alert (ending one would make an alert flap whenever traffic is thin).
  if (value === undefined || Number.isNaN(value)) return unchanged;
  // A window older than the state (a late or replayed one) must not rewrite it.
  if (current && at.getTime() < latestTime(current).getTime()) return unchanged;

  if (!compare(value, rule.comparison, rule.threshold)) {
    if (!current) return unchanged;
    return { state: undefined, transition: current.state === 'firing' ? 'resolved' : 'cleared' };
  }
  if (current?.state === 'firing') return unchanged;
  const pendingSince = current?.pendingSince ?? at;
  if (at.getTime() - pendingSince.getTime() >= rule.forMs) return { state: { state: 'firing', pendingSince, firedAt: at }, transition: 'fired' };
  return current ? unchanged : { state: { state: 'pending', pendingSince }, transition: 'pending' };
}

function latestTime(state: AlertState): Date {
  return state.state === 'firing' ? state.firedAt : state.pendingSince;
}

/**
 * What an alert says about a value, e.g. `drift.distance.statistic = 0.213 > 0.1 for 2d (rule distance_drift)`,
 * or, once the value is back within the threshold, `... = 0.05, no longer > 0.1 (rule distance_drift)`.
 */
export function alertMessage(rule: Pick<AlertRule, 'name' | 'metric' | 'comparison' | 'threshold' | 'forMs'>, value: number): string {
  const condition = `${rule.comparison} ${rule.threshold}`;
  const rest = `(rule ${rule.name})`;
  if (!compare(value, rule.comparison, rule.threshold)) return `${rule.metric} = ${formatValue(value)}, no longer ${condition} ${rest}`;
  const held = rule.forMs > 0 ? ` for ${formatDuration(rule.forMs)}` : '';
  return `${rule.metric} = ${formatValue(value)} ${condition}${held} ${rest}`;
}

/** Four significant digits: enough to read against a threshold, without float noise. */
function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
