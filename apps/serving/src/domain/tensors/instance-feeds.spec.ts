import { type InvalidInputError, type ModelSignature, type TensorSpec } from '../signature';
import { type Instance, instancesToFeeds } from './instance-feeds';
import { violationsOf } from './violations.fixture';

/** A model as the platform trains it: one [-1, 1] input per feature, numbers FP32, categories BYTES. */
const platform: ModelSignature = {
  inputs: [
    { name: 'dep_delay', datatype: 'FP32', shape: [-1, 1], featureType: 'float', nullable: true },
    { name: 'distance', datatype: 'FP32', shape: [-1, 1], featureType: 'int', nullable: true },
    { name: 'carrier', datatype: 'BYTES', shape: [-1, 1], featureType: 'categorical', nullable: true },
    { name: 'origin', datatype: 'BYTES', shape: [-1, 1], featureType: 'string', nullable: true },
  ],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1], nullable: false }],
};

const only = (spec: Omit<TensorSpec, 'name'>): ModelSignature => ({ inputs: [{ name: 'x', ...spec }], outputs: [] });


describe('instancesToFeeds', () => {
  it('builds one [n, 1] tensor per input of a platform model, missing values as NaN and empty strings', () => {
    const instances: Instance[] = [
      { dep_delay: 12.5, distance: 2475, carrier: 'AA', origin: 'JFK' },
      { dep_delay: null, carrier: 'DL', origin: undefined },
    ];
    expect(instancesToFeeds(platform, instances, 'reject')).toStrictEqual({
      dep_delay: { type: 'float32', data: new Float32Array([12.5, Number.NaN]), dims: [2, 1] },
      distance: { type: 'float32', data: new Float32Array([2475, Number.NaN]), dims: [2, 1] },
      carrier: { type: 'string', data: ['AA', 'DL'], dims: [2, 1] },
      origin: { type: 'string', data: ['JFK', ''], dims: [2, 1] },
    });
  });

  it('refuses an empty batch', () => {
    expect(() => instancesToFeeds(platform, [], 'reject')).toThrow('the request does not fit the model: instances needs at least one instance');
    expect(violationsOf(() => instancesToFeeds(platform, [], 'reject'))).toEqual([{ field: 'instances', description: 'needs at least one instance' }]);
  });

  it.each([
    [[-1], [3]],
    [[-1, 1, 1], [3, 1, 1]],
    [[-1, -1], [3, 1]],
  ])('shapes a %j input as %j', (shape, dims) => {
    const feeds = instancesToFeeds(only({ datatype: 'FP64', shape, nullable: false }), [{ x: 1 }, { x: 2 }, { x: 0.1 }], 'reject');
    expect(feeds.x).toStrictEqual({ type: 'float64', data: new Float64Array([1, 2, 0.1]), dims });
  });

  it('sends inputs with more than one value per instance to the Open Inference Protocol', () => {
    const signature: ModelSignature = {
      inputs: [
        { name: 'embedding', datatype: 'FP32', shape: [-1, 3], nullable: false },
        { name: 'dep_delay', datatype: 'FP32', shape: [-1, 1], nullable: true },
        { name: 'seed', datatype: 'INT64', shape: [], nullable: false },
      ],
      outputs: [],
    };
    expect(() => instancesToFeeds(signature, [{ embedding: 1, dep_delay: 'late' }], 'reject')).toThrow(
      `the request does not fit the model: instances cannot carry the model's input "embedding", which takes 3 values per instance ([-1, 3]); send this model's requests with the Open Inference Protocol (ModelInfer)`,
    );
    // Only the model-level problem: per-value complaints would be noise for a request that cannot work.
    expect(violationsOf(() => instancesToFeeds(signature, [{ embedding: 1, dep_delay: 'late' }], 'reject'))).toEqual([
      { field: 'instances', description: `cannot carry the model's input "embedding", which takes 3 values per instance ([-1, 3]); send this model's requests with the Open Inference Protocol (ModelInfer)` },
      { field: 'instances', description: `cannot carry the model's input "seed", which takes one value for the whole request ([]); send this model's requests with the Open Inference Protocol (ModelInfer)` },
    ]);
  });

  it('names an unknown feature and lists the inputs, sorted', () => {
    expect(violationsOf(() => instancesToFeeds(platform, [{ carrier: 'AA' }, { dep_dealy: 3 }], 'reject'))).toEqual([
      { field: 'instances[1].features.dep_dealy', description: 'is not an input of the model (it takes carrier, dep_delay, distance, origin)' },
    ]);
  });

  it('cuts the list of inputs short for a wide model', () => {
    const inputs = Array.from({ length: 12 }, (_, i): TensorSpec => ({ name: `f${String(11 - i).padStart(2, '0')}`, datatype: 'FP32', shape: [-1, 1], nullable: true }));
    expect(violationsOf(() => instancesToFeeds({ inputs, outputs: [] }, [{ g: 1 }], 'reject'))).toEqual([
      { field: 'instances[0].features.g', description: 'is not an input of the model (it takes f00, f01, f02, f03, f04, f05, f06, f07, f08, f09 and 2 more)' },
    ]);
  });

  it('requires a value for a non-nullable input, whether absent, undefined or null', () => {
    const signature = only({ datatype: 'FP32', shape: [-1, 1], nullable: false });
    expect(violationsOf(() => instancesToFeeds(signature, [{}, { x: undefined }, { x: null }, { x: 1 }], 'reject'))).toEqual([
      { field: 'instances[0].features.x', description: 'is required' },
      { field: 'instances[1].features.x', description: 'is required' },
      { field: 'instances[2].features.x', description: 'is required' },
    ]);
  });

  it.each(['INT64', 'INT8', 'BOOL'] as const)('refuses a missing value for a nullable %s input, which has no encoding for it', (datatype) => {
    expect(violationsOf(() => instancesToFeeds(only({ datatype, shape: [-1, 1], nullable: true }), [{ x: null }], 'as_missing'))).toEqual([
      { field: 'instances[0].features.x', description: `is missing, and ${datatype} inputs have no missing-value encoding` },
    ]);
  });

  describe('NaN policy', () => {
    const instances: Instance[] = [{ dep_delay: Number.NaN }, { dep_delay: Infinity }, { dep_delay: -Infinity }, { dep_delay: 4 }];

    it('reject: refuses NaN and both infinities, saying which', () => {
      expect(violationsOf(() => instancesToFeeds(platform, instances, 'reject'))).toEqual([
        { field: 'instances[0].features.dep_delay', description: "is NaN; the deployment's NaN policy rejects it" },
        { field: 'instances[1].features.dep_delay', description: "is Infinity; the deployment's NaN policy rejects it" },
        { field: 'instances[2].features.dep_delay', description: "is -Infinity; the deployment's NaN policy rejects it" },
      ]);
    });

    it('as_missing: feeds them as NaN to a nullable input', () => {
      expect(instancesToFeeds(platform, instances, 'as_missing').dep_delay.data).toStrictEqual(new Float32Array([Number.NaN, Number.NaN, Number.NaN, 4]));
    });

    it('as_missing: a nullable BYTES input gets an empty string', () => {
      expect(instancesToFeeds(platform, [{ carrier: Number.NaN }], 'as_missing').carrier.data).toEqual(['']);
    });

    it('as_missing: still refuses them for a non-nullable input', () => {
      const signature = only({ datatype: 'FP32', shape: [-1, 1], nullable: false });
      expect(violationsOf(() => instancesToFeeds(signature, [{ x: Number.NaN }, { x: 1 }], 'as_missing'))).toEqual([
        { field: 'instances[0].features.x', description: "is NaN, missing under the deployment's NaN policy, but is required" },
      ]);
    });
  });

  describe('value types', () => {
    it('refuses values of another kind, without coercion', () => {
      const signature: ModelSignature = {
        inputs: [...platform.inputs, { name: 'weekend', datatype: 'BOOL', shape: [-1, 1], nullable: false }],
        outputs: [],
      };
      const instances: Instance[] = [
        { dep_delay: '12', distance: true, carrier: 17, origin: new Date(0), weekend: 1 },
        { dep_delay: new Date(0), weekend: 'yes' },
      ];
      expect(violationsOf(() => instancesToFeeds(signature, instances, 'reject'))).toEqual([
        { field: 'instances[0].features.dep_delay', description: 'expects a number, not a string' },
        { field: 'instances[1].features.dep_delay', description: 'expects a number, not a timestamp (the input is not a timestamp feature)' },
        { field: 'instances[0].features.distance', description: 'expects a number, not a boolean' },
        { field: 'instances[0].features.carrier', description: 'expects a string, not a number (send categorical codes as strings)' },
        { field: 'instances[0].features.origin', description: 'expects a string, not a timestamp' },
        { field: 'instances[0].features.weekend', description: 'expects a boolean, not a number' },
        { field: 'instances[1].features.weekend', description: 'expects a boolean, not a string' },
      ]);
    });

    it('feeds booleans as 0/1 bytes', () => {
      expect(instancesToFeeds(only({ datatype: 'BOOL', shape: [-1, 1], nullable: false }), [{ x: true }, { x: false }], 'reject').x).toStrictEqual({ type: 'bool', data: new Uint8Array([1, 0]), dims: [2, 1] });
    });

    it('feeds a timestamp feature as epoch milliseconds', () => {
      const departure = new Date('2024-03-01T12:30:00.250Z');
      const instances = [{ x: departure }, { x: 1_700_000_000_000 }];
      expect(instancesToFeeds(only({ datatype: 'INT64', shape: [-1, 1], featureType: 'timestamp', nullable: false }), instances, 'reject').x.data).toStrictEqual(
        new BigInt64Array([1_709_296_200_250n, 1_700_000_000_000n]),
      );
      expect(instancesToFeeds(only({ datatype: 'FP64', shape: [-1], featureType: 'timestamp', nullable: false }), instances, 'reject').x.data).toStrictEqual(new Float64Array([1_709_296_200_250, 1_700_000_000_000]));
      expect(violationsOf(() => instancesToFeeds(only({ datatype: 'FP64', shape: [-1], featureType: 'timestamp', nullable: false }), [{ x: new Date('not a date') }], 'reject'))).toEqual([
        { field: 'instances[0].features.x', description: 'is an invalid date' },
      ]);
    });

    it.each([
      ['INT8', [-128, 127], new Int8Array([-128, 127])],
      ['INT16', [-32_768, 32_767], new Int16Array([-32_768, 32_767])],
      ['INT32', [-2_147_483_648, 2_147_483_647], new Int32Array([-2_147_483_648, 2_147_483_647])],
      ['INT64', [-(2 ** 53 - 1), 2 ** 53 - 1], new BigInt64Array([-(2n ** 53n - 1n), 2n ** 53n - 1n])],
      ['UINT8', [0, 255], new Uint8Array([0, 255])],
      ['UINT16', [0, 65_535], new Uint16Array([0, 65_535])],
      ['UINT32', [0, 4_294_967_295], new Uint32Array([0, 4_294_967_295])],
      ['UINT64', [0, 2 ** 53 - 1], new BigUint64Array([0n, 2n ** 53n - 1n])],
    ] as const)('feeds %s integers up to the edges of the range', (datatype, values, expected) => {
      const feeds = instancesToFeeds(only({ datatype, shape: [-1, 1], nullable: false }), values.map((x) => ({ x })), 'reject');
      expect(feeds.x.data).toStrictEqual(expected);
    });

    it.each([
      ['INT8', 128, 'must be an integer in [-128, 127] (INT8), not 128'],
      ['INT8', 1.5, 'must be an integer in [-128, 127] (INT8), not 1.5'],
      ['UINT8', -1, 'must be an integer in [0, 255] (UINT8), not -1'],
      ['UINT32', 4_294_967_296, 'must be an integer in [0, 4294967295] (UINT32), not 4294967296'],
      ['INT64', 2 ** 53, 'must be an integer in [-9007199254740991, 9007199254740991] (INT64), not 9007199254740992'],
      ['UINT64', -1, 'must be an integer in [0, 9007199254740991] (UINT64), not -1'],
    ] as const)('refuses %s %s', (datatype, value, description) => {
      expect(violationsOf(() => instancesToFeeds(only({ datatype, shape: [-1, 1], nullable: false }), [{ x: value }], 'reject'))).toEqual([{ field: 'instances[0].features.x', description }]);
    });
  });

  it('refuses a batch larger than a fixed first dimension', () => {
    const signature = only({ datatype: 'FP32', shape: [1, 1], nullable: false });
    expect(instancesToFeeds(signature, [{ x: 1 }], 'reject').x.dims).toEqual([1, 1]);
    expect(violationsOf(() => instancesToFeeds(signature, [{ x: 1 }, { x: 2 }], 'reject'))).toEqual([{ field: 'instances', description: `has 2 instances; the model's input "x" takes exactly 1` }]);
  });

  it('refuses an FP16 input', () => {
    expect(violationsOf(() => instancesToFeeds(only({ datatype: 'FP16', shape: [-1, 1], nullable: false }), [{ x: 1 }], 'reject'))).toEqual([
      { field: 'instances', description: `cannot carry the model's input "x": FP16 tensors are not supported by this server` },
    ]);
  });

  it('collects every violation of every instance, and quotes the first three in the message', () => {
    const instances: Instance[] = [
      { dep_delay: 'x', carrier: 1, colour: 'red' },
      { dep_delay: Number.NaN, origin: false },
    ];
    let error: InvalidInputError | undefined;
    try {
      instancesToFeeds(platform, instances, 'reject');
    } catch (caught) {
      error = caught as InvalidInputError;
    }
    expect(error?.violations.map((v) => v.field)).toEqual([
      'instances[0].features.colour',
      'instances[0].features.dep_delay',
      'instances[1].features.dep_delay',
      'instances[0].features.carrier',
      'instances[1].features.origin',
    ]);
    expect(error?.message).toBe(
      'the request does not fit the model: instances[0].features.colour is not an input of the model (it takes carrier, dep_delay, distance, origin); ' +
        "instances[0].features.dep_delay expects a number, not a string; instances[1].features.dep_delay is NaN; the deployment's NaN policy rejects it; and 2 more",
    );
  });
});
