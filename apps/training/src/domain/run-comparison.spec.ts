import { type ComparedRun, compareRuns } from './run-comparison';

describe('compareRuns', () => {
  const runs: ComparedRun[] = [
    { runId: 'a', params: { trainer: 'gbdt', depth: '6' }, metrics: { roc_auc: 0.64 }, tags: { team: 'ops' } },
    { runId: 'b', params: { trainer: 'gbdt' }, metrics: { roc_auc: 0.62, log_loss: 0.5 }, tags: { team: 'ops' } },
  ];

  it('lines every key up across runs and flags the ones that differ', () => {
    expect(compareRuns(runs)).toEqual([
      { kind: 'param', key: 'depth', cells: [{ present: true, value: '6' }, { present: false }], differs: true },
      { kind: 'param', key: 'trainer', cells: [{ present: true, value: 'gbdt' }, { present: true, value: 'gbdt' }], differs: false },
      { kind: 'metric', key: 'log_loss', cells: [{ present: false }, { present: true, value: '0.5', number: 0.5 }], differs: true },
      { kind: 'metric', key: 'roc_auc', cells: [{ present: true, value: '0.64', number: 0.64 }, { present: true, value: '0.62', number: 0.62 }], differs: true },
      { kind: 'tag', key: 'team', cells: [{ present: true, value: 'ops' }, { present: true, value: 'ops' }], differs: false },
    ]);
  });

  it('keeps to the keys asked for', () => {
    expect(compareRuns(runs, ['roc_auc'], ['trainer']).map((r) => `${r.kind}:${r.key}`)).toEqual(['param:trainer', 'metric:roc_auc', 'tag:team']);
  });
});
