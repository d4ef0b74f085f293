import { type GateResult } from './gates';
import { type CardModel, type CardPromotion, renderModelCard } from './model-card';
import { type Lineage, type ModelVersion } from './model-version';
import { FULL_LINEAGE } from './lineage.fixture';

const artifactDigest = `sha256:${'a'.repeat(64)}`;
const profileDigest = `sha256:${'b'.repeat(64)}`;

const model: CardModel = { name: 'flight-delay', description: 'Predicts departure delay > 15 min.', owner: 'ana', task: 'binary classification' };

const noLineage: Lineage = {
  trainingRunId: '', experimentId: '', dataset: '', datasetSnapshotId: '', featureViews: [], entitySetDigest: '', codeCommit: '', codeRepository: '', configDigest: '', contractVersion: '',
};

const version: ModelVersion = {
  requestId: 'run-42',
  modelName: 'flight-delay',
  version: 4,
  stage: 'PRODUCTION',
  aliases: ['champion'],
  createdBy: 'ci',
  createdAt: new Date('2024-05-01T10:00:00.000Z'),
  description: 'Retrained on May data.',
  artifact: { digest: artifactDigest, sizeBytes: 2048, mediaType: 'application/onnx', uri: 's3://models/a' },
  referenceProfile: { digest: profileDigest, sizeBytes: 10, mediaType: 'application/json', uri: 's3://profiles/b' },
  signature: {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 12] }],
    outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
  },
  metrics: { roc_auc: 0.91, training_seconds: 123450.3, log_loss: 0.3125 },
  lineage: FULL_LINEAGE,
  tags: { team: 'ops|ml' },
};

const failedGates: GateResult = {
  passed: false,
  championVersion: 3,
  policyRevision: 2,
  evaluatedAt: new Date('2024-05-02T09:00:00.000Z'),
  checks: [
    { name: 'roc_auc.floor', metric: 'roc_auc', candidateValue: 0.85, threshold: 0.8, passed: true, message: 'roc_auc 0.85 >= floor 0.8' },
    { name: 'roc_auc.max_regression', metric: 'roc_auc', candidateValue: 0.85, championValue: 0.9, threshold: 0.88, passed: false, message: 'roc_auc 0.85 < champion 0.9 - 0.02 = 0.88' },
  ],
};

const promotions: CardPromotion[] = [
  { id: 'p-1', state: 'GATES_FAILED', targetAlias: 'champion', requestedBy: 'bo', approvedBy: [], gateResult: failedGates, requestedAt: new Date('2024-05-02T09:00:00.000Z') },
  { id: 'p-2', state: 'PROMOTED', targetAlias: 'champion', requestedBy: 'bo', approvedBy: ['cy', 'dee'], requestedAt: new Date('2024-05-03T09:00:00.000Z') },
];

describe('renderModelCard', () => {
  it('renders the whole card', () => {
    expect(renderModelCard(model, version, promotions)).toBe(
      [
        '# flight-delay — version 4',
        '',
        'Predicts departure delay > 15 min.',
        '',
        'Retrained on May data.',
        '',
        '| | |',
        '|---|---|',
        '| Task | binary classification |',
        '| Owner | ana |',
        '| Stage | production |',
        '| Aliases | champion |',
        '| Registered | 2024-05-01T10:00:00.000Z by ci |',
        `| Artifact | \`${artifactDigest}\` (2048 bytes) |`,
        '',
        '## Metrics',
        '',
        '| Metric | Value |',
        '|---|---|',
        '| log_loss | 0.3125 |',
        '| roc_auc | 0.91 |',
        '| training_seconds | 123450 |',
        '',
        '## Signature',
        '',
        '| Direction | Name | Type | Shape |',
        '|---|---|---|---|',
        '| input | features | FP32 | [batch, 12] |',
        '| output | probability | FP32 | [batch, 1] |',
        '',
        '## Lineage',
        '',
        '- **Training run:** run-42',
        '- **Experiment:** exp-7',
        '- **Dataset:** flights',
        '- **Dataset snapshot:** snap-1',
        '- **Contract version:** 1.4.0',
        '- **Feature service:** delay_features v3',
        '- **Feature views:** weather v2, schedule v5',
        '- **Code:** github.com/acme/ml @ abc123',
        '- **Training config:** sha256:cfg',
        `- **Reference profile:** ${profileDigest}`,
        '',
        '## Promotions',
        '',
        '### gates failed to `champion` (2024-05-02T09:00:00.000Z)',
        '',
        'Requested by bo.',
        '',
        'Gates (policy revision 2, champion version 3):',
        '',
        '| Check | Result | Detail |',
        '|---|---|---|',
        '| roc_auc.floor | pass | roc_auc 0.85 >= floor 0.8 |',
        '| roc_auc.max_regression | **fail** | roc_auc 0.85 < champion 0.9 - 0.02 = 0.88 |',
        '',
        '### promoted to `champion` (2024-05-03T09:00:00.000Z)',
        '',
        'Requested by bo, approved by cy, dee.',
        '',
        '## Tags',
        '',
        '- `team`: ops\\|ml',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [100000.4, '100000'],
    [123456.7, '123457'],
    [0.5, '0.5'],
    [0.123456789, '0.123457'],
    [10.00001, '10'],
    [1500.0001, '1500'],
    [-2.5, '-2.5'],
    [42, '42'],
    [1.5e-7, '1.5e-7'],
  ])('shows the metric %p as %s (six significant digits, no trailing zeros)', (value, shown) => {
    expect(renderModelCard(model, { ...version, metrics: { m: value } }, [])).toContain(`\n| m | ${shown} |\n`);
  });

  it('escapes "|" and line breaks in table cells', () => {
    const card = renderModelCard(
      { ...model, task: 'a|b', owner: 'x\ny' },
      { ...version, metrics: { 'f1|macro': 0.5 }, signature: { inputs: [{ name: 'in|put', datatype: 'FP32', shape: [3] }], outputs: version.signature.outputs }, tags: { note: 'one\r\ntwo' } },
      [{ ...promotions[0], requestedBy: 'b|o', gateResult: { ...failedGates, checks: [{ name: 'odd|check', metric: 'odd', passed: false, message: 'x | y' }] } }],
    );
    expect(card).toContain('\n| Task | a\\|b |\n');
    expect(card).toContain('\n| Owner | x y |\n');
    expect(card).toContain('\n| f1\\|macro | 0.5 |\n');
    expect(card).toContain('\n| input | in\\|put | FP32 | [3] |\n');
    expect(card).toContain('\n| odd\\|check | **fail** | x \\| y |\n');
    expect(card).toContain('\nRequested by b\\|o.\n');
    expect(card).toContain('\n- `note`: one two\n');
  });

  it('says a version without lineage cannot be reproduced', () => {
    const card = renderModelCard(model, { ...version, lineage: noLineage, referenceProfile: undefined }, []);
    expect(card).toContain('## Lineage\n\nNo lineage was recorded: this version cannot be reproduced from the registry alone.\n');
    expect(card).not.toContain('**Training run:**');
  });

  it('lists only the lineage facts recorded, and a commit without its repository', () => {
    const card = renderModelCard(model, { ...version, lineage: { ...noLineage, trainingRunId: 'run-9', codeCommit: 'def456' }, referenceProfile: undefined }, []);
    expect(card).toContain('## Lineage\n\n- **Training run:** run-9\n- **Code:** def456\n\n## Promotions');
  });

  it('says what is missing: metrics, promotions, owner, aliases, tags', () => {
    const card = renderModelCard({ ...model, owner: '', description: '' }, { ...version, description: '', metrics: {}, aliases: [], tags: {} }, []);
    expect(card).toContain('# flight-delay — version 4\n\n| | |\n');
    expect(card).toContain('| Owner | – |');
    expect(card).toContain('| Aliases | – |');
    expect(card).toContain('## Metrics\n\nNo metrics were recorded.\n');
    expect(card).toContain('## Promotions\n\nNever put up for promotion.\n');
    expect(card).not.toContain('## Tags');
    expect(card.endsWith('Never put up for promotion.\n')).toBe(true);
  });

  it('says when there was no champion to compare with, and leaves out an empty gate table', () => {
    const noChampion = renderModelCard(model, version, [{ ...promotions[0], gateResult: { ...failedGates, championVersion: 0 } }]);
    expect(noChampion).toContain('Gates (policy revision 2, champion none):');
    const noChecks = renderModelCard(model, version, [{ ...promotions[0], gateResult: { ...failedGates, checks: [] } }]);
    expect(noChecks).not.toContain('Gates (');
    expect(noChecks).not.toContain('| Check |');
  });
});
