import { alertMessage, type AlertState, type AlertTransition, nextAlertState } from './alert-lifecycle';
import { type AlertRule } from './alert-rule';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 5, 1);
const hour = (h: number) => new Date(T0 + h * HOUR);
const rule = { comparison: '>', threshold: 0.1, forMs: 2 * HOUR } as const;

/** Runs a series of [hour, value] through the lifecycle: the transitions, and the state at the end. */
function run(steps: [number, number | undefined][], condition: Pick<AlertRule, 'comparison' | 'threshold' | 'forMs'> = rule) {
  let state: AlertState | undefined;
  const transitions: AlertTransition[] = [];
  for (const [h, value] of steps) {
    const step = nextAlertState(state, condition, value, hour(h));
    transitions.push(step.transition);
    state = step.state;
  }
  return { transitions, state };
}

describe('nextAlertState', () => {
  it.each<[string, [number, number | undefined][], AlertTransition[]]>([
    ['stays inactive while the condition does not hold', [[0, 0.05], [1, 0.1]], ['none', 'none']],
    ['pending, then firing once held for the for-duration, then resolved', [[0, 0.2], [1, 0.3], [2, 0.2], [3, 0.4], [4, 0.05]], ['pending', 'none', 'fired', 'none', 'resolved']],
    ['pending, cleared when the condition stops before firing', [[0, 0.2], [1, 0.05], [2, 0.2]], ['pending', 'cleared', 'pending']],
    ['insufficient data in the middle neither starts, ends nor delays an alert', [[0, undefined], [1, 0.2], [2, undefined], [3, 0.2], [4, undefined], [5, 0.01]], ['none', 'pending', 'none', 'fired', 'none', 'resolved']],
    ['a value that is not a number counts as insufficient data', [[0, 0.2], [1, Number.NaN], [2, 0.2]], ['pending', 'none', 'fired']],
    ['a window older than a pending alert is ignored, whatever its value', [[5, 0.2], [4, 0.05], [3, 0.9], [7, 0.2]], ['pending', 'none', 'none', 'fired']],
    ['a window older than the firing is ignored, even after pendingSince', [[0, 0.2], [2, 0.2], [1, 0.05], [3, 0.2]], ['pending', 'fired', 'none', 'none']],
  ])('%s', (_name, steps, transitions) => {
    expect(run(steps).transitions).toEqual(transitions);
  });

  it('keeps when the condition started and when it fired', () => {
    expect(run([[0, 0.2], [1, 0.2]]).state).toEqual({ state: 'pending', pendingSince: hour(0) });
    expect(run([[0, 0.2], [1, 0.2], [2.5, 0.2], [3, 0.2]]).state).toEqual({ state: 'firing', pendingSince: hour(0), firedAt: hour(2.5) });
    expect(run([[0, 0.2], [3, 0.2], [4, 0]]).state).toBeUndefined();
    expect(run([[0, 0.2], [1, 0]]).state).toBeUndefined();
  });

  it('fires on the first breach when the for-duration is 0', () => {
    const { transitions, state } = run([[0, 0.05], [1, 0.2], [2, 0.2], [3, 0.1]], { ...rule, forMs: 0 });
    expect(transitions).toEqual(['none', 'fired', 'none', 'resolved']);
    expect(run([[1, 0.2]], { ...rule, forMs: 0 }).state).toEqual({ state: 'firing', pendingSince: hour(1), firedAt: hour(1) });
    expect(state).toBeUndefined();
  });

  it('uses the rule comparison', () => {
    expect(run([[0, 0.5], [1, 0.3], [2, 0.3], [3, 0.3]], { comparison: '<=', threshold: 0.3, forMs: HOUR }).transitions).toEqual(['none', 'pending', 'fired', 'none']);
  });

  it('judges a window at the same time as the state again (a recomputed window)', () => {
    expect(run([[0, 0.2], [0, 0.05]]).transitions).toEqual(['pending', 'cleared']);
  });
});

describe('alertMessage', () => {
  const distance = { name: 'distance_drift', metric: 'drift.distance.statistic', comparison: '>', threshold: 0.1, forMs: 2 * 86_400_000 } as const;

  it('says what breached, for how long, and which rule', () => {
    expect(alertMessage(distance, 0.213)).toBe('drift.distance.statistic = 0.213 > 0.1 for 2d (rule distance_drift)');
    expect(alertMessage(distance, 0.21312345)).toBe('drift.distance.statistic = 0.2131 > 0.1 for 2d (rule distance_drift)');
    expect(alertMessage({ ...distance, metric: 'operations.error_count', forMs: 0 }, 1234)).toBe('operations.error_count = 1234 > 0.1 (rule distance_drift)');
  });

  it('says when the value is back within the threshold', () => {
    expect(alertMessage(distance, 0.05)).toBe('drift.distance.statistic = 0.05, no longer > 0.1 (rule distance_drift)');
  });
});
