import { type Definitions } from './definitions';
import { parseDefinitions } from './definitions-document';
import { FLIGHTS_CONTRACT, FLIGHTS_DEFINITIONS } from './flights.fixture';
import { type AppliedDefinitions, planChanges } from './plan';

const CONTRACTS = new Map([['flights', FLIGHTS_CONTRACT]]);
const parse = (text: string) => parseDefinitions(text, CONTRACTS);

function applied(defs: Definitions, version = 1): AppliedDefinitions {
  const index = <T extends { name: string }>(items: T[]) => new Map(items.map((definition) => [definition.name, { version, definition }]));
  return { entities: index(defs.entities), featureViews: index(defs.featureViews), featureServices: index(defs.featureServices) };
}

const summary = (changes: ReturnType<typeof planChanges>) => changes.map((c) => `${c.kind} ${c.name}: ${c.action} ${c.fromVersion}->${c.toVersion}${c.incompatible ? ' incompatible' : ''}`);

describe('planChanges', () => {
  const base = parse(FLIGHTS_DEFINITIONS);

  it('creates everything the first time', () => {
    const empty = applied({ entities: [], featureViews: [], featureServices: [] });
    expect(planChanges(empty, base, false).every((c) => c.action === 'create' && c.toVersion === 1)).toBe(true);
  });

  it('changes nothing when the same definitions are applied again, whatever order stored keys come back in', () => {
    expect(planChanges(applied(base), parse(FLIGHTS_DEFINITIONS), false).map((c) => c.action)).toEqual(Array(5).fill('unchanged'));
    const reordered = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reordered) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)])) : value;
    const stored = reordered(JSON.parse(JSON.stringify(base))) as Definitions;
    expect(planChanges(applied(stored), parse(FLIGHTS_DEFINITIONS), false).map((c) => c.action)).toEqual(Array(5).fill('unchanged'));
  });

  it('updates compatibly for an added feature or a new ttl', () => {
    const next = parse(FLIGHTS_DEFINITIONS.replace('ttl: 1d', 'ttl: 2d').replace('      - name: last_delay\n', '      - name: max_delay_7d\n        aggregation: { function: max, field: delay, window: 7d }\n      - name: last_delay\n'));
    const change = planChanges(applied(base, 3), next, false).find((c) => c.name === 'origin_delays')!;
    expect(change).toMatchObject({ action: 'update', fromVersion: 3, toVersion: 4, incompatible: false });
    expect(change.details).toEqual(['feature "max_delay_7d" added: int = max(delay) over 1w', 'ttl 1d -> 2d']);
  });

  it('marks removed, retyped or redefined features and other join keys incompatible', () => {
    const next = parse(
      FLIGHTS_DEFINITIONS.replace('{ function: mean, field: delay, window: 7d }', '{ function: mean, field: delay, window: 1d }')
        .replace('      - name: late\n        expression: delay > 15\n        type: bool\n', '')
        .replace('join_keys: [origin, destination]', 'join_keys: [destination, origin]')
        .replace('route_stats: [flights_1d]', 'route_stats: [flights_1d, max_delay_1d]'),
    );
    expect(summary(planChanges(applied(base), next, false))).toEqual([
      'entity airport: unchanged 1->1',
      'entity route: update 1->2 incompatible',
      'feature_view origin_delays: update 1->2 incompatible',
      'feature_view route_stats: unchanged 1->1',
      'feature_service delay_model: update 1->2',
    ]);
    expect(planChanges(applied(base), next, false)[2].details).toEqual(['feature "mean_delay_7d" changed: float = mean(delay) over 1w -> float = mean(delay) over 1d', 'feature "late" removed']);
  });

  it('deletes objects missing from the document only with prune, incompatibly', () => {
    const next = parse(FLIGHTS_DEFINITIONS.replace(/feature_services:[\s\S]*$/, ''));
    expect(planChanges(applied(base), next, false).some((c) => c.action === 'delete')).toBe(false);
    expect(summary(planChanges(applied(base), next, true)).at(-1)).toBe('feature_service delay_model: delete 1->1 incompatible');
  });
});
