import { DocumentError, type DocumentProblem } from '@mlops/documents';
import { parseDefinitions } from './definitions-document';
import { FLIGHTS_CONTRACT, FLIGHTS_DEFINITIONS } from './flights.fixture';

const CONTRACTS = new Map([['flights', FLIGHTS_CONTRACT]]);

function problemsOf(text: string): DocumentProblem[] {
  try {
    parseDefinitions(text, CONTRACTS);
  } catch (error) {
    if (error instanceof DocumentError) return error.problems;
    throw error;
  }
  throw new Error('expected a DocumentError');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;

describe('parseDefinitions', () => {
  it('reads entities, views with typed features, and feature services', () => {
    const defs = parseDefinitions(FLIGHTS_DEFINITIONS, CONTRACTS);
    expect(defs.entities).toEqual([
      { name: 'airport', joinKeys: ['origin'], description: '' },
      { name: 'route', joinKeys: ['origin', 'destination'], description: '' },
    ]);
    const [origin, route] = defs.featureViews;
    expect(origin).toMatchObject({ name: 'origin_delays', entities: ['airport'], source: 'flights', ttlSeconds: 86_400, online: true });
    expect(origin.features.map((f) => [f.name, f.type])).toEqual([
      ['mean_delay_7d', 'float'],
      ['flights_1d', 'int'],
      ['last_delay', 'int'],
      ['late', 'bool'],
    ]);
    expect(origin.features[0].transformation).toEqual({ kind: 'aggregation', function: 'mean', field: 'delay', windowSeconds: 604_800 });
    expect(route.ttlSeconds).toBe(0);
    expect(defs.featureServices).toEqual([{ name: 'delay_model', description: '', projections: [{ view: 'origin_delays', features: [] }, { view: 'route_stats', features: ['flights_1d'] }] }]);
  });

  it('refuses a field the dataset contract lacks, at its line, naming the contract version', () => {
    const text = FLIGHTS_DEFINITIONS.replace('field: delay, window: 7d', 'field: air_time, window: 7d');
    expect(problemsOf(text)).toEqual([
      { path: 'feature_views[0].features[0].aggregation.field', line: lineOf(text, 'air_time'), column: expect.any(Number), message: 'field "air_time" is not in dataset "flights" (contract 1.0.0)' },
    ]);
  });

  it('refuses a source dataset without a contract, an unknown entity and a join key the dataset lacks', () => {
    const text = FLIGHTS_DEFINITIONS.replace('join_keys: [origin, destination]', 'join_keys: [origin, tail_number]').replace('source: flights\n    features:\n      - name: flights_1d', 'source: trains\n    features:\n      - name: flights_1d').replace('entities: [airport]', 'entities: [airprot]');
    expect(problemsOf(text).map((p) => [p.path, p.message])).toEqual([
      ['feature_views[0].entities[0]', 'entity "airprot" is not defined'],
      ['feature_views[1].source', 'dataset "trains" has no contract in ingestion'],
    ]);
    const joinKey = FLIGHTS_DEFINITIONS.replace('join_keys: [origin, destination]', 'join_keys: [origin, tail_number]');
    expect(problemsOf(joinKey).map((p) => p.message)).toEqual(['join key "tail_number" of entity "route" is not a field of dataset "flights" (contract 1.0.0)']);
  });

  it('refuses aggregations that cannot apply, and expressions over unknown fields or that do not parse', () => {
    const text = FLIGHTS_DEFINITIONS.replace('{ function: max, field: delay, window: 1d }', '{ function: mean, field: origin, window: 1d }')
      .replace('{ function: count, window: 1d }\n      - name: last_delay', '{ function: count, field: delay, window: 1d }\n      - name: last_delay')
      .replace('distance * 1.609', 'distance * speed')
      .replace('delay > 15', 'delay >');
    expect(problemsOf(text).map((p) => [p.path, p.message.replace(/: .*/, '')])).toEqual([
      ['feature_views[0].features[1].aggregation.field', 'count counts events; it takes no field'],
      ['feature_views[0].features[3].expression', 'does not parse'],
      ['feature_views[1].features[1].aggregation.function', 'mean needs a numeric field; "origin" is string'],
      ['feature_views[1].features[2].expression', 'field "speed" is not in dataset "flights" (contract 1.0.0)'],
    ]);
  });

  it('refuses a feature service naming a view or feature that does not exist', () => {
    const text = FLIGHTS_DEFINITIONS.replace('route_stats: [flights_1d]', 'route_stats: [flights_7d]').replace('      - origin_delays\n', '      - origin_delay\n');
    expect(problemsOf(text).map((p) => p.message)).toEqual(['feature view "origin_delay" is not defined', 'feature view "route_stats" has no feature "flights_7d"']);
  });

  it('refuses windows over ten years and expressions typed as timestamps', () => {
    const text = FLIGHTS_DEFINITIONS.replace('window: 7d', 'window: 600w').replace('type: bool', 'type: timestamp');
    expect(problemsOf(text).map((p) => [p.path, p.message])).toEqual([
      ['feature_views[0].features[0].aggregation.window', 'must be at most ten years'],
      ['feature_views[0].features[3]', expect.any(String)],
    ]);
  });

  it('refuses bad durations and duplicate names at their lines', () => {
    const text = FLIGHTS_DEFINITIONS.replace('ttl: 1d', 'ttl: one day').replace('  - name: route\n', '  - name: airport\n');
    expect(problemsOf(text).map((p) => [p.path, p.line])).toEqual([['feature_views[0].ttl', lineOf(text, 'ttl: one day')]]);
    const duplicate = FLIGHTS_DEFINITIONS.replace('  - name: route\n    join_keys: [origin, destination]', '  - name: airport\n    join_keys: [origin, destination]');
    expect(problemsOf(duplicate).map((p) => p.message)).toContain('duplicate name "airport"');
  });
});
