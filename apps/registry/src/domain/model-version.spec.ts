import { type NewModelVersion, registrationFingerprint, validateNewModelVersion } from './model-version';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

const valid: NewModelVersion = {
  requestId: 'run-42',
  modelName: 'flight-delay',
  artifact: { digest: digest('a'), sizeBytes: 2048, mediaType: 'application/onnx', uri: 's3://models/run-42/model.onnx' },
  signature: {
    inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 12] }],
    outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
  },
  metrics: { roc_auc: 0.91, log_loss: 0.31 },
  referenceProfile: { digest: digest('b'), sizeBytes: 10, mediaType: 'application/json', uri: 's3://profiles/run-42.json' },
  lineage: {
    trainingRunId: 'run-42', experimentId: 'exp-7', dataset: 'flights', datasetSnapshotId: 'snap-1', featureViews: [{ name: 'weather', version: 2 }],
    entitySetDigest: '', codeCommit: 'abc123', codeRepository: 'github.com/acme/ml', configDigest: 'sha256:cfg', contractVersion: '1.4.0',
    config: { learning_rate: 0.1, trees: { depth: 6, count: 200 } },
  },
  description: 'May retrain',
  tags: { team: 'ops' },
};

const fields = (input: NewModelVersion) => validateNewModelVersion(input).map((v) => v.field);

describe('validateNewModelVersion', () => {
  it('accepts a well-formed registration, with or without a reference profile', () => {
    expect(validateNewModelVersion(valid)).toEqual([]);
    expect(validateNewModelVersion({ ...valid, referenceProfile: undefined })).toEqual([]);
  });

  it('requires a request id, explaining what it is for', () => {
    const [violation] = validateNewModelVersion({ ...valid, requestId: '' });
    expect(violation.field).toBe('request_id');
    expect(violation.description).toContain('is required');
  });

  it('limits the request id to 200 characters', () => {
    expect(validateNewModelVersion({ ...valid, requestId: 'r'.repeat(200) })).toEqual([]);
    expect(validateNewModelVersion({ ...valid, requestId: 'r'.repeat(201) })).toEqual([{ field: 'request_id', description: 'at most 200 characters' }]);
  });

  it.each([[''], ['-x'], ['has space']])('reports the model name %j as model_name', (modelName) => {
    expect(fields({ ...valid, modelName })).toEqual(['model_name']);
  });

  it('checks description and tags as for a registered model', () => {
    expect(fields({ ...valid, description: 'd'.repeat(4_097), tags: { 'bad key': 'v' } })).toEqual(['description', 'tags[bad key]']);
  });

  it.each([
    ['no prefix', 'a'.repeat(64)],
    ['upper case', `sha256:${'A'.repeat(64)}`],
    ['too short', `sha256:${'a'.repeat(63)}`],
    ['another algorithm', `sha512:${'a'.repeat(64)}`],
  ])('refuses an artifact digest with %s', (_case, bad) => {
    expect(validateNewModelVersion({ ...valid, artifact: { ...valid.artifact, digest: bad } })).toEqual([{ field: 'artifact.digest', description: '"sha256:" and 64 lower-case hex digits' }]);
  });

  it('checks the reference profile digest', () => {
    expect(fields({ ...valid, referenceProfile: { ...valid.referenceProfile!, digest: 'sha256:zz' } })).toEqual(['reference_profile.digest']);
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])('refuses the metric value %p, naming the metric', (value) => {
    expect(validateNewModelVersion({ ...valid, metrics: { ...valid.metrics, accuracy: value } })).toEqual([{ field: 'metrics[accuracy]', description: 'must be a finite number' }]);
  });

  it('limits the number of metrics to 100', () => {
    const metrics = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i]));
    expect(validateNewModelVersion({ ...valid, metrics: metrics(100) })).toEqual([]);
    expect(validateNewModelVersion({ ...valid, metrics: metrics(101) })).toEqual([{ field: 'metrics', description: 'at most 100 metrics' }]);
  });

  it('checks the signature under signature.*', () => {
    expect(fields({ ...valid, signature: { inputs: [], outputs: [{ name: 'y', datatype: 'FP32', shape: [0] }] } })).toEqual(['signature.inputs', 'signature.outputs[0].shape']);
  });

  it('reports every problem at once, in order', () => {
    const input: NewModelVersion = {
      ...valid, requestId: '', modelName: '', artifact: { ...valid.artifact, digest: 'x' }, metrics: { roc_auc: Number.NaN }, signature: { ...valid.signature, outputs: [] },
    };
    expect(fields(input)).toEqual(['request_id', 'model_name', 'artifact.digest', 'signature.outputs', 'metrics[roc_auc]']);
  });
});

describe('registrationFingerprint', () => {
  const fingerprint = registrationFingerprint(valid);

  it('is a sha256 hex digest', () => {
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same content under another request id', () => {
    expect(registrationFingerprint({ ...valid, requestId: 'retry-of-run-42' })).toBe(fingerprint);
  });

  it('is the same when only the artifact or profile location differs', () => {
    expect(registrationFingerprint({ ...valid, artifact: { ...valid.artifact, uri: 'gs://elsewhere/model.onnx' } })).toBe(fingerprint);
    expect(registrationFingerprint({ ...valid, referenceProfile: { ...valid.referenceProfile!, uri: 'gs://elsewhere/p.json' } })).toBe(fingerprint);
  });

  it('does not depend on key order (as read back from jsonb)', () => {
    const reordered: NewModelVersion = {
      tags: { team: 'ops' }, description: valid.description, lineage: { ...valid.lineage, config: { trees: { count: 200, depth: 6 }, learning_rate: 0.1 } },
      metrics: { log_loss: 0.31, roc_auc: 0.91 }, signature: valid.signature, artifact: valid.artifact, modelName: valid.modelName, requestId: valid.requestId, referenceProfile: valid.referenceProfile,
    };
    expect(registrationFingerprint(reordered)).toBe(fingerprint);
  });

  it.each<[string, NewModelVersion]>([
    ['a metric value', { ...valid, metrics: { ...valid.metrics, roc_auc: 0.92 } }],
    ['an added metric', { ...valid, metrics: { ...valid.metrics, f1: 0.5 } }],
    ['the artifact digest', { ...valid, artifact: { ...valid.artifact, digest: digest('c') } }],
    ['the artifact size', { ...valid, artifact: { ...valid.artifact, sizeBytes: 2049 } }],
    ['the reference profile', { ...valid, referenceProfile: undefined }],
    ['the model', { ...valid, modelName: 'flight-delay-2' }],
    ['the signature', { ...valid, signature: { ...valid.signature, inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 13] }] } }],
    ['a nested lineage config value', { ...valid, lineage: { ...valid.lineage, config: { learning_rate: 0.1, trees: { depth: 7, count: 200 } } } }],
    ['a tag', { ...valid, tags: { team: 'risk' } }],
    ['the description', { ...valid, description: 'June retrain' }],
  ])('differs when %s changes', (_change, changed) => {
    expect(registrationFingerprint(changed)).not.toBe(fingerprint);
  });
});
