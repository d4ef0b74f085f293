import { createOutput } from './output';

const captured = (json: boolean) => {
  let text = '';
  return { out: createOutput(json, (chunk) => (text += chunk)), text: () => text };
};

describe('createOutput', () => {
  const rows = [{ name: 'flights', version: 3, score: 0.123456, at: new Date('2001-06-07T00:00:00Z'), missing: undefined }, { name: 'taxi-fares', version: 12, score: 1, at: undefined, missing: null }];
  const columns = { name: (r: (typeof rows)[0]) => r.name, version: (r: (typeof rows)[0]) => r.version, score: (r: (typeof rows)[0]) => r.score, at: (r: (typeof rows)[0]) => r.at, missing: (r: (typeof rows)[0]) => r.missing };

  it('aligns columns under upper-case headers, with "-" for missing values and 4 significant digits', () => {
    const { out, text } = captured(false);
    out.table(rows, columns);
    expect(text().split('\n')).toEqual([
      'NAME        VERSION  SCORE   AT                        MISSING',
      'flights     3        0.1235  2001-06-07T00:00:00.000Z  -',
      'taxi-fares  12       1       -                         -',
      '',
    ]);
  });

  it('prints the rows (or the given JSON form) as JSON under --json, and says nothing else', () => {
    const { out, text } = captured(true);
    out.say('hello');
    out.table(rows.slice(0, 1), columns, [{ wire: true, big: 10n, inf: Number.POSITIVE_INFINITY }]);
    expect(JSON.parse(text())).toEqual([{ wire: true, big: '10', inf: 'Infinity' }]);
  });

  it('prints a record as aligned key: value lines', () => {
    const { out, text } = captured(false);
    out.record({ model: 'flights v3', 'drift share': 0.25, ok: true, metrics: { roc_auc: 0.71 } });
    expect(text()).toBe('model:       flights v3\ndrift share: 0.2500\nok:          true\nmetrics:     {"roc_auc":0.71}\n');
  });

  it('prints a nested document as YAML for people and as JSON under --json', () => {
    const policy = { modelName: 'flights', metricGates: [{ metric: 'roc_auc', floor: 0.5 }], rollout: { kind: 'ROLLOUT_KIND_CANARY', canarySteps: [0.5, 1] } };
    const people = captured(false);
    people.out.document(policy);
    expect(people.text()).toBe('modelName: flights\nmetricGates:\n  - metric: roc_auc\n    floor: 0.5\nrollout:\n  kind: ROLLOUT_KIND_CANARY\n  canarySteps:\n    - 0.5\n    - 1\n');
    const scripts = captured(true);
    scripts.out.document(policy);
    expect(JSON.parse(scripts.text())).toEqual(policy);
  });
});
