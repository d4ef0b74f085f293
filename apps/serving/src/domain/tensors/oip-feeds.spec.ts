import { InvalidInputError, type ModelSignature, type OipDatatype, type TensorSpec } from '../signature';
import { emptyContents, type OipContents, type OipInput } from './oip';
import { oipToFeeds } from './oip-feeds';
import { rawOf, rawStrings, unaligned, utf8 } from './raw.fixture';
import { violationsOf } from './violations.fixture';

const platform: ModelSignature = {
  inputs: [
    { name: 'dep_delay', datatype: 'FP32', shape: [-1, 1], featureType: 'float', nullable: true },
    { name: 'distance', datatype: 'FP32', shape: [-1, 1], featureType: 'int', nullable: true },
    { name: 'carrier', datatype: 'BYTES', shape: [-1, 1], featureType: 'categorical', nullable: true },
  ],
  outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 1], nullable: false }],
};

const contents = (fields: Partial<OipContents>): OipContents => ({ ...emptyContents(), ...fields });
const only = (spec: Partial<TensorSpec> & Pick<TensorSpec, 'datatype' | 'shape'>): ModelSignature => ({ inputs: [{ name: 'x', nullable: true, ...spec }], outputs: [] });


const platformInputs: OipInput[] = [
  { name: 'dep_delay', datatype: 'FP32', shape: [2, 1], contents: contents({ fp32Contents: [12.5, Number.NaN] }) },
  { name: 'distance', datatype: 'FP32', shape: [2, 1], contents: contents({ fp32Contents: [2475, 300] }) },
  { name: 'carrier', datatype: 'BYTES', shape: [2, 1], contents: contents({ bytesContents: [utf8('AA'), utf8('')] }) },
];

const platformFeeds = {
  dep_delay: { type: 'float32', data: new Float32Array([12.5, Number.NaN]), dims: [2, 1] },
  distance: { type: 'float32', data: new Float32Array([2475, 300]), dims: [2, 1] },
  carrier: { type: 'string', data: ['AA', ''], dims: [2, 1] },
};

describe('oipToFeeds', () => {
  it('feeds a platform model from typed contents, in any input order', () => {
    expect(oipToFeeds(platform, [...platformInputs].reverse(), [], 'as_missing')).toStrictEqual({ feeds: platformFeeds, batchSize: 2 });
  });

  it('feeds a platform model from raw contents, unaligned buffers included', () => {
    const inputs = platformInputs.map(({ name, datatype, shape }) => ({ name, datatype, shape }));
    const raw = [unaligned(rawOf('FP32', [12.5, Number.NaN])), unaligned(rawOf('FP32', [2475, 300]), 3), unaligned(rawStrings(['AA', '']))];
    expect(oipToFeeds(platform, inputs, raw, 'as_missing')).toStrictEqual({ feeds: platformFeeds, batchSize: 2 });
  });

  const everyDatatype: Array<[OipDatatype, keyof OipContents, unknown[], unknown]> = [
    ['BOOL', 'boolContents', [true, false, true], new Uint8Array([1, 0, 1])],
    ['INT8', 'intContents', [-128, 0, 127], new Int8Array([-128, 0, 127])],
    ['INT16', 'intContents', [-32_768, 0, 32_767], new Int16Array([-32_768, 0, 32_767])],
    ['INT32', 'intContents', [-2_147_483_648, 0, 2_147_483_647], new Int32Array([-2_147_483_648, 0, 2_147_483_647])],
    ['INT64', 'int64Contents', [-(2 ** 53 - 1), 0, 2 ** 53 - 1], new BigInt64Array([-(2n ** 53n - 1n), 0n, 2n ** 53n - 1n])],
    ['UINT8', 'uintContents', [0, 1, 255], new Uint8Array([0, 1, 255])],
    ['UINT16', 'uintContents', [0, 1, 65_535], new Uint16Array([0, 1, 65_535])],
    ['UINT32', 'uintContents', [0, 1, 4_294_967_295], new Uint32Array([0, 1, 4_294_967_295])],
    ['UINT64', 'uint64Contents', [0, 1, 2 ** 53 - 1], new BigUint64Array([0n, 1n, 2n ** 53n - 1n])],
    ['FP32', 'fp32Contents', [0.5, -1.25, 3], new Float32Array([0.5, -1.25, 3])],
    ['FP64', 'fp64Contents', [0.1, -2, 1e300], new Float64Array([0.1, -2, 1e300])],
    ['BYTES', 'bytesContents', [utf8('SFO'), utf8('Zürich'), utf8('')], ['SFO', 'Zürich', '']],
  ];

  it.each(everyDatatype)('reads %s from %s', (datatype, field, values, expected) => {
    const input: OipInput = { name: 'x', datatype, shape: [3], contents: contents({ [field]: values }) };
    const { feeds } = oipToFeeds(only({ datatype, shape: [-1] }), [input], [], 'reject');
    expect(feeds.x.data).toStrictEqual(expected);
    expect(feeds.x.dims).toEqual([3]);
  });

  it.each(everyDatatype.filter(([datatype]) => datatype !== 'BYTES'))('reads raw %s', (datatype, _field, values, expected) => {
    const raw = rawOf(datatype as Exclude<OipDatatype, 'BYTES' | 'FP16'>, values as number[]);
    const { feeds } = oipToFeeds(only({ datatype, shape: [-1] }), [{ name: 'x', datatype, shape: [3] }], [unaligned(raw)], 'reject');
    expect(feeds.x.data).toStrictEqual(expected);
  });

  it('reads raw BYTES with multi-byte characters', () => {
    const { feeds } = oipToFeeds(only({ datatype: 'BYTES', shape: [-1, 2] }), [{ name: 'x', datatype: 'BYTES', shape: [2, 2] }], [rawStrings(['東京', '🛫', 'é', ''])], 'reject');
    expect(feeds.x).toStrictEqual({ type: 'string', data: ['東京', '🛫', 'é', ''], dims: [2, 2] });
  });

  it('names an input whose elements sit in the wrong contents field', () => {
    const input: OipInput = { name: 'x', datatype: 'FP32', shape: [2], contents: contents({ fp64Contents: [1, 2] }) };
    expect(violationsOf(() => oipToFeeds(only({ datatype: 'FP32', shape: [-1] }), [input], [], 'reject'))).toEqual([
      { field: 'inputs[0].contents', description: 'holds its elements in fp64_contents; FP32 elements go in fp32_contents' },
    ]);
  });

  it('refuses an element count that does not match the shape, absent contents included', () => {
    const inputs: OipInput[] = [
      { name: 'dep_delay', datatype: 'FP32', shape: [2, 1], contents: contents({ fp32Contents: [1, 2, 3] }) },
      { name: 'distance', datatype: 'FP32', shape: [2, 1] },
      { name: 'carrier', datatype: 'BYTES', shape: [2, 1], contents: contents({ bytesContents: [utf8('AA')] }) },
    ];
    expect(violationsOf(() => oipToFeeds(platform, inputs, [], 'reject'))).toEqual([
      { field: 'inputs[0].contents', description: 'holds 3 elements in fp32_contents; the shape [2, 1] needs 2' },
      { field: 'inputs[1].contents', description: 'holds 0 elements in fp32_contents; the shape [2, 1] needs 2' },
      { field: 'inputs[2].contents', description: 'holds 1 elements in bytes_contents; the shape [2, 1] needs 2' },
    ]);
  });

  it.each([
    ['INT8', 'intContents', [1, 128], "element 1 is 128, not an integer in INT8's range [-128, 127]"],
    ['INT16', 'intContents', [-32_769, 0], "element 0 is -32769, not an integer in INT16's range [-32768, 32767]"],
    ['UINT8', 'uintContents', [0, 256], "element 1 is 256, not an integer in UINT8's range [0, 255]"],
    ['UINT16', 'uintContents', [70_000, 0], "element 0 is 70000, not an integer in UINT16's range [0, 65535]"],
    ['INT32', 'intContents', [0.5, 0], "element 0 is 0.5, not an integer in INT32's range [-2147483648, 2147483647]"],
  ] as const)('range-checks %s contents', (datatype, field, values, description) => {
    const input: OipInput = { name: 'x', datatype, shape: [2], contents: contents({ [field]: values }) };
    expect(violationsOf(() => oipToFeeds(only({ datatype, shape: [-1] }), [input], [], 'reject'))).toEqual([{ field: 'inputs[0].contents', description }]);
  });

  it('refuses contents that are not UTF-8', () => {
    const input: OipInput = { name: 'x', datatype: 'BYTES', shape: [2], contents: contents({ bytesContents: [utf8('ok'), new Uint8Array([0xc3])] }) };
    expect(violationsOf(() => oipToFeeds(only({ datatype: 'BYTES', shape: [-1] }), [input], [], 'reject'))).toEqual([{ field: 'inputs[0].contents', description: 'element 1 is not valid UTF-8' }]);
  });

  describe('raw contents', () => {
    const bare = platformInputs.map(({ name, datatype, shape }) => ({ name, datatype, shape }));

    it('refuses a request mixing raw and typed contents', () => {
      const inputs = [bare[0], platformInputs[1], bare[2]];
      const raw = [rawOf('FP32', [1, 2]), rawOf('FP32', [3, 4]), rawStrings(['AA', 'DL'])];
      expect(violationsOf(() => oipToFeeds(platform, inputs, raw, 'reject'))).toEqual([{ field: 'inputs[1].contents', description: 'is set while raw_input_contents is used; send every input one way' }]);
    });

    it('accepts empty typed contents next to raw ones, as a decoder may present an unset message', () => {
      const inputs = bare.map((input) => ({ ...input, contents: emptyContents() }));
      const raw = [rawOf('FP32', [1, 2]), rawOf('FP32', [3, 4]), rawStrings(['AA', 'DL'])];
      expect(oipToFeeds(platform, inputs, raw, 'reject').feeds.carrier.data).toEqual(['AA', 'DL']);
    });

    it('needs one raw entry per input', () => {
      expect(violationsOf(() => oipToFeeds(platform, bare, [rawOf('FP32', [1, 2]), rawOf('FP32', [3, 4])], 'reject'))).toEqual([
        { field: 'raw_input_contents', description: 'has 2 entries for 3 inputs; it needs one per input, in order' },
      ]);
    });

    it('refuses a raw entry whose byte length does not match the shape', () => {
      const raw = [rawOf('FP32', [1, 2, 3]), rawOf('FP32', [3, 4]), rawStrings(['AA', 'DL'])];
      expect(violationsOf(() => oipToFeeds(platform, bare, raw, 'reject'))).toEqual([{ field: 'raw_input_contents[0]', description: 'has 12 bytes; 2 FP32 elements take 8' }]);
    });

    it('refuses raw BYTES with a truncated length prefix', () => {
      const raw = [rawOf('FP32', [1, 2]), rawOf('FP32', [3, 4]), rawStrings(['AA', 'DL']).subarray(0, 8)];
      expect(violationsOf(() => oipToFeeds(platform, bare, raw, 'reject'))).toEqual([{ field: 'raw_input_contents[2]', description: 'ends inside the length prefix of element 1 (at byte 6)' }]);
    });

    it('refuses a raw BOOL byte other than 0 or 1', () => {
      const signature = only({ datatype: 'BOOL', shape: [-1] });
      expect(violationsOf(() => oipToFeeds(signature, [{ name: 'x', datatype: 'BOOL', shape: [2] }], [new Uint8Array([1, 255])], 'reject'))).toEqual([
        { field: 'raw_input_contents[0]', description: 'element 1 is 255; a BOOL is one byte, 0 or 1' },
      ]);
    });
  });

  it('checks names: every model input once, nothing else', () => {
    const inputs: OipInput[] = [platformInputs[0], { ...platformInputs[0] }, { name: 'colour', datatype: 'BYTES', shape: [2, 1] }, platformInputs[2]];
    expect(violationsOf(() => oipToFeeds(platform, inputs, [], 'as_missing'))).toEqual([
      { field: 'inputs[1].name', description: '"dep_delay" appears twice' },
      { field: 'inputs[2].name', description: '"colour" is not an input of the model (it takes carrier, dep_delay, distance)' },
      { field: 'inputs', description: `lacks the model's input "distance"` },
    ]);
  });

  it('checks the datatype exactly, saying what the model takes', () => {
    const inputs: OipInput[] = [{ ...platformInputs[0], datatype: 'FP64', contents: contents({ fp64Contents: [1, 2] }) }, { ...platformInputs[1], datatype: '' }, platformInputs[2]];
    expect(violationsOf(() => oipToFeeds(platform, inputs, [], 'reject'))).toEqual([
      { field: 'inputs[0].datatype', description: `is FP64; the model's "dep_delay" takes FP32` },
      { field: 'inputs[1].datatype', description: `is empty; the model's "distance" takes FP32` },
    ]);
  });

  it('checks rank, fixed dimensions and that dimensions are positive', () => {
    const signature: ModelSignature = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 1], nullable: true },
        { name: 'b', datatype: 'FP32', shape: [-1, 3], nullable: true },
        { name: 'c', datatype: 'FP32', shape: [-1, 1], nullable: true },
        { name: 'd', datatype: 'FP32', shape: [-1, 1], nullable: true },
      ],
      outputs: [],
    };
    const inputs: OipInput[] = [
      { name: 'a', datatype: 'FP32', shape: [2], contents: contents({ fp32Contents: [1, 2] }) },
      { name: 'b', datatype: 'FP32', shape: [2, 2], contents: contents({ fp32Contents: [1, 2, 3, 4] }) },
      { name: 'c', datatype: 'FP32', shape: [0, 1] },
      { name: 'd', datatype: 'FP32', shape: [-2, 1] },
    ];
    expect(violationsOf(() => oipToFeeds(signature, inputs, [], 'reject'))).toEqual([
      { field: 'inputs[0].shape', description: `is [2]; the model's "a" takes rank 2 ([-1, 1])` },
      { field: 'inputs[1].shape', description: `is [2, 2]; the model's "b" takes [-1, 3] (dimension 1 must be 3)` },
      { field: 'inputs[2].shape', description: 'is [0, 1]; dimensions are positive integers' },
      { field: 'inputs[3].shape', description: 'is [-2, 1]; dimensions are positive integers' },
    ]);
  });

  it('refuses inputs with different batch sizes', () => {
    const inputs: OipInput[] = [platformInputs[0], { ...platformInputs[1], shape: [3, 1], contents: contents({ fp32Contents: [1, 2, 3] }) }, platformInputs[2]];
    expect(violationsOf(() => oipToFeeds(platform, inputs, [], 'as_missing'))).toEqual([
      { field: 'inputs[1].shape', description: 'has batch dimension 3 but inputs[0] has 2; every input has the same first dimension' },
    ]);
  });

  it('takes a batch of 1 for a model of scalars', () => {
    const input: OipInput = { name: 'x', datatype: 'INT64', shape: [], contents: contents({ int64Contents: [42] }) };
    expect(oipToFeeds(only({ datatype: 'INT64', shape: [] }), [input], [], 'reject')).toStrictEqual({ feeds: { x: { type: 'int64', data: new BigInt64Array([42n]), dims: [] } }, batchSize: 1 });
  });

  it('refuses FP16 inputs', () => {
    expect(violationsOf(() => oipToFeeds(only({ datatype: 'FP16', shape: [-1] }), [{ name: 'x', datatype: 'FP16', shape: [1] }], [new Uint8Array(2)], 'reject'))).toEqual([
      { field: 'inputs[0].datatype', description: 'FP16 tensors are not supported by this server' },
    ]);
  });

  describe('NaN policy', () => {
    const values = [1, Number.NaN, Infinity, -Infinity];
    const input = (datatype: 'FP32' | 'FP64'): OipInput => ({ name: 'x', datatype, shape: [4], contents: contents(datatype === 'FP32' ? { fp32Contents: values } : { fp64Contents: values }) });

    it('reject: names the input and the first non-finite element, raw or typed', () => {
      expect(violationsOf(() => oipToFeeds(only({ datatype: 'FP32', shape: [-1] }), [input('FP32')], [], 'reject'))).toEqual([
        { field: 'inputs[0].contents', description: `element 1 of "x" is NaN; the deployment's NaN policy rejects it` },
      ]);
      const raw = rawOf('FP64', [1, 2, -Infinity]);
      expect(violationsOf(() => oipToFeeds(only({ datatype: 'FP64', shape: [-1] }), [{ name: 'x', datatype: 'FP64', shape: [3] }], [raw], 'reject'))).toEqual([
        { field: 'raw_input_contents[0]', description: `element 2 of "x" is -Infinity; the deployment's NaN policy rejects it` },
      ]);
    });

    it.each(['FP32', 'FP64'] as const)('as_missing: keeps %s NaN for the graph to impute, infinities as NaN too', (datatype) => {
      const { feeds } = oipToFeeds(only({ datatype, shape: [-1] }), [input(datatype)], [], 'as_missing');
      expect(Array.from(feeds.x.data as Float32Array)).toEqual([1, Number.NaN, Number.NaN, Number.NaN]);
    });

    it('as_missing: refuses them for a non-nullable input', () => {
      expect(violationsOf(() => oipToFeeds(only({ datatype: 'FP32', shape: [-1], nullable: false }), [input('FP32')], [], 'as_missing'))).toEqual([
        { field: 'inputs[0].contents', description: `element 1 of "x" is NaN, missing under the deployment's NaN policy, but the input is required` },
      ]);
    });
  });

  it('collects every violation into one error, quoting the first three', () => {
    const inputs: OipInput[] = [
      { name: 'dep_delay', datatype: 'FP64', shape: [2, 1] },
      { name: 'distance', datatype: 'FP32', shape: [2] },
      { name: 'colour', datatype: 'BYTES', shape: [2, 1] },
    ];
    expect(() => oipToFeeds(platform, inputs, [], 'reject')).toThrow(
      new InvalidInputError(
        `the request does not fit the model: inputs[0].datatype is FP64; the model's "dep_delay" takes FP32; inputs[1].shape is [2]; the model's "distance" takes rank 2 ([-1, 1]); ` +
          'inputs[2].name "colour" is not an input of the model (it takes carrier, dep_delay, distance); and 1 more',
        [],
      ),
    );
  });
});
