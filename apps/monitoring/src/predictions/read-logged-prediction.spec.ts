import { eventsV1 } from '@mlops/proto';
import { type LoggedPrediction, loggedPrediction } from './read-logged-prediction';

const PREDICTED_AT = new Date('2025-06-01T10:30:00.000Z');

const entry = (overrides: Partial<eventsV1.PredictionLogged> = {}): eventsV1.PredictionLogged => ({
  ...eventsV1.PredictionLogged.fromPartial({
    requestId: 'req-1',
    modelName: 'flight-delay',
    modelVersion: 3,
    arm: 'canary',
    deploymentRevision: 7,
    predictedAt: PREDICTED_AT,
    latency: { seconds: 0, nanos: 12_500_000 },
    statusCode: 0,
    instances: [
      {
        inputs: { distance: { kind: { $case: 'doubleValue', value: 2_586 } }, origin: { kind: { $case: 'stringValue', value: 'SFO' } }, is_weekend: { kind: { $case: 'boolValue', value: false } }, gate: {} },
        outputs: { probability: { doubleValues: [0.73, 0.27] } },
        entityKey: { joinKeys: { origin: { kind: { $case: 'stringValue', value: 'SFO' } }, carrier: { kind: { $case: 'stringValue', value: 'UA' } } } },
      },
      { inputs: { distance: { kind: { $case: 'int64Value', value: 400 } } }, outputs: { label: { stringValues: ['late'] } }, entityKey: undefined },
    ],
    sampleRate: 1,
    protocol: 'predict',
  }),
  ...overrides,
});

function accepted(e: eventsV1.PredictionLogged): LoggedPrediction {
  const result = loggedPrediction(e);
  if (!result.ok) throw new Error(`expected the entry to be accepted, got: ${result.reason}`);
  return result.value;
}

const reasonFor = (e: eventsV1.PredictionLogged) => {
  const result = loggedPrediction(e);
  return result.ok ? undefined : result.reason;
};

describe('loggedPrediction', () => {
  it('maps a served request to what is stored', () => {
    expect(accepted(entry())).toEqual({
      requestId: 'req-1',
      modelName: 'flight-delay',
      version: 3,
      arm: 'canary',
      predictedAt: PREDICTED_AT,
      latencyMs: 12.5,
      statusCode: 0,
      instances: [
        { instanceIndex: 0, inputs: { distance: 2_586, origin: 'SFO', is_weekend: false, gate: null }, outputs: { probability: 0.73 }, entityKey: 'carrier=UA,origin=SFO' },
        { instanceIndex: 1, inputs: { distance: 400 }, outputs: { label: 'late' }, entityKey: undefined },
      ],
    });
  });

  it('reads the latency from seconds and nanos, in milliseconds', () => {
    expect(accepted(entry({ latency: { seconds: 2, nanos: 345_678_000 } })).latencyMs).toBeCloseTo(2_345.678, 9);
    expect(accepted(entry({ latency: { seconds: 0, nanos: 0 } })).latencyMs).toBe(0);
    expect(accepted(entry({ latency: { seconds: 1, nanos: 0 } })).latencyMs).toBe(1_000);
  });

  it('accepts a failed request without instances, keeping its status code', () => {
    const stored = accepted(entry({ statusCode: 3, instances: [], errorMessage: 'distance is not a number' }));
    expect(stored.statusCode).toBe(3);
    expect(stored.instances).toEqual([]);
  });

  it.each<[string, Partial<eventsV1.PredictionLogged>, string]>([
    ['an empty request id', { requestId: '' }, 'request_id is empty'],
    ['an empty model name', { modelName: '' }, 'model_name is empty'],
    ['version 0', { modelVersion: 0 }, 'model_version must be 1 or more, got 0'],
    ['a negative version', { modelVersion: -2 }, 'model_version must be 1 or more, got -2'],
    ['a fractional version', { modelVersion: 1.5 }, 'model_version must be 1 or more, got 1.5'],
    ['an empty arm', { arm: '' }, 'arm is empty'],
    ['no prediction time', { predictedAt: undefined }, 'predicted_at is missing or not a valid time'],
    ['an invalid prediction time', { predictedAt: new Date(Number.NaN) }, 'predicted_at is missing or not a valid time'],
    ['no latency', { latency: undefined }, 'latency is missing or negative'],
    ['a negative latency', { latency: { seconds: -1, nanos: 0 } }, 'latency is missing or negative'],
    ['negative nanos', { latency: { seconds: 0, nanos: -1 } }, 'latency is missing or negative'],
    ['a successful request without instances', { statusCode: 0, instances: [] }, 'instances is empty for a successful request'],
  ])('refuses %s', (_case, overrides, reason) => {
    expect(loggedPrediction(entry(overrides))).toEqual({ ok: false, reason });
  });

  it('names the first bad field in field order', () => {
    expect(reasonFor(entry({ requestId: '', modelName: '', arm: '' }))).toBe('request_id is empty');
    expect(reasonFor(entry({ modelName: '', latency: undefined }))).toBe('model_name is empty');
    expect(reasonFor(entry({ predictedAt: undefined, latency: undefined, instances: [] }))).toBe('predicted_at is missing or not a valid time');
  });

  it('numbers instances in request order and gives each its own entity key (or none)', () => {
    const { instances } = accepted(entry());
    expect(instances.map((i) => i.instanceIndex)).toEqual([0, 1]);
    expect(instances.map((i) => i.entityKey)).toEqual(['carrier=UA,origin=SFO', undefined]);
  });
});

describe('loggedPrediction refuses what PostgreSQL or the windows could not take', () => {
  it('refuses a status code that is no gRPC code', () => {
    expect(reasonFor(entry({ statusCode: 40_000 }))).toBe('status_code must be a gRPC status code (0-16), got 40000');
    expect(reasonFor(entry({ statusCode: -1 }))).toBe('status_code must be a gRPC status code (0-16), got -1');
    expect(reasonFor(entry({ statusCode: 16, instances: [] }))).toBeUndefined();
  });

  it('refuses a prediction time in the future or before 1900', () => {
    expect(reasonFor(entry({ predictedAt: new Date(Date.now() + 3 * 86_400_000) }))).toMatch(/^predicted_at is more than a day in the future/);
    expect(reasonFor(entry({ predictedAt: new Date('1850-01-01T00:00:00Z') }))).toMatch(/^predicted_at is before 1900/);
    expect(reasonFor(entry({ predictedAt: new Date(Date.UTC(2001, 0, 1)) }))).toBeUndefined();
  });

  it('refuses strings holding a NUL or a lone surrogate, naming the field', () => {
    expect(reasonFor(entry({ requestId: 'a\u0000b' }))).toMatch(/^request_id holds a NUL/);
    const base = entry();
    const origin = { kind: { $case: 'stringValue' as const, value: 'S\uD800F' } };
    const bad = { ...base, instances: [{ ...base.instances[0], inputs: { ...base.instances[0].inputs, origin } }] };
    expect(reasonFor(bad)).toMatch(/^instances\[0\]\.inputs\.origin holds a NUL character or a lone UTF-16 surrogate/);
    // A surrogate pair (an emoji) is fine.
    expect(reasonFor({ ...base, arm: 'canary \u{1F680}' })).toBeUndefined();
  });
});
