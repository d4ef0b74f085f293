import { type DataContract, type FieldSpec } from './contract';
import { type ApplyDecision, decideApply, diffContracts } from './contract-diff';
import { field, flightsContract } from './flights.fixture';

function flights(version = '1.0.0'): DataContract {
  return flightsContract({
    version,
    description: 'On-time performance of domestic flights',
    expectations: [
      { name: 'delay_mostly_present', kind: 'null_rate', field: 'delay', maxRate: 0.05 },
      { name: 'delay_in_range', kind: 'out_of_range', field: 'delay', maxRate: 0.01 },
      { name: 'unique_flights', kind: 'uniqueness', fields: ['origin', 'date'] },
      { name: 'recent', kind: 'freshness', maxAgeSeconds: 86400 },
    ],
    source: { topic: 'ingestion.flights.v1', encoding: 'json', partitionConcurrency: 3 },
  });
}

/** `flights(version)` with one field replaced (or removed, when `replacement` is null). */
function withField(version: string, name: string, replacement: FieldSpec | null): DataContract {
  const contract = flights(version);
  const index = contract.fields.findIndex((f) => f.name === name);
  expect(index).toBeGreaterThanOrEqual(0);
  contract.fields = replacement ? contract.fields.map((f, i) => (i === index ? replacement : f)) : contract.fields.filter((_, i) => i !== index);
  return contract;
}

function fieldOf(contract: DataContract, name: string): FieldSpec {
  const found = contract.fields.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name}`);
  return found;
}

function refused(decision: ApplyDecision): Extract<ApplyDecision, { outcome: 'refused' }> {
  expect(decision.outcome).toBe('refused');
  return decision as Extract<ApplyDecision, { outcome: 'refused' }>;
}

function newVersion(decision: ApplyDecision): Extract<ApplyDecision, { outcome: 'new_version' }> {
  expect(decision.outcome).toBe('new_version');
  return decision as Extract<ApplyDecision, { outcome: 'new_version' }>;
}

describe('decideApply', () => {
  it('accepts the first version of a dataset', () => {
    expect(decideApply(undefined, flights())).toEqual({ outcome: 'first' });
  });

  it('treats an identical re-apply as unchanged', () => {
    expect(decideApply(flights(), flights())).toEqual({ outcome: 'unchanged' });
  });

  it('treats a re-apply with keys in another order as unchanged', () => {
    const candidate = Object.fromEntries(Object.entries(flights()).reverse()) as unknown as DataContract;
    expect(decideApply(flights(), candidate)).toEqual({ outcome: 'unchanged' });
  });

  it('refuses the same version with different content', () => {
    const candidate = { ...flights(), description: 'changed in place' };
    const decision = refused(decideApply(flights(), candidate));
    expect(decision.reason).toContain('version 1.0.0 is already applied with different content');
    expect(decision.diff).toBeUndefined();
  });

  it.each([
    ['1.2.0', '1.1.9'],
    ['1.0.0', '0.9.0'],
    ['2.0.0', '1.99.99'],
  ])('refuses %s -> %s as older', (latest, candidate) => {
    const decision = refused(decideApply(flights(latest), flights(candidate)));
    expect(decision.reason).toBe(`version ${candidate} is older than the applied ${latest}`);
  });

  it('compares versions numerically, not as text', () => {
    expect(decideApply(flights('1.9.0'), flights('1.10.0')).outcome).toBe('new_version');
    expect(decideApply(flights('1.10.0'), flights('1.9.0')).outcome).toBe('refused');
  });

  it('refuses a removed field without a major bump, naming the field', () => {
    const decision = refused(decideApply(flights(), withField('1.1.0', 'distance', null)));
    expect(decision.field).toBe('distance');
    expect(decision.reason).toContain('"distance"');
    expect(decision.reason).toContain('removed');
    expect(decision.reason).toContain('declare a new major version (2.0.0)');
    expect(decision.diff?.breaking).toBe(true);
  });

  it('refuses a retyped field without a major bump', () => {
    const decision = refused(decideApply(flights(), withField('1.0.1', 'delay', field('delay', 'float', { required: true, min: -120, max: 2000 }))));
    expect(decision.field).toBe('delay');
    expect(decision.reason).toContain('field "delay" changed type from int to float');
  });

  it('applies a breaking change under a new major version, flagged as breaking', () => {
    const decision = newVersion(decideApply(flights(), withField('2.0.0', 'distance', null)));
    expect(decision.diff.breaking).toBe(true);
    expect(decision.diff.changes).toEqual([expect.objectContaining({ field: 'distance', kind: 'removed', breaking: true })]);
  });

  it('applies an added optional field under a minor bump, not breaking', () => {
    const candidate = flights('1.1.0');
    candidate.fields = [...candidate.fields, field('tail_number', 'string')];
    const decision = newVersion(decideApply(flights(), candidate));
    expect(decision.diff.breaking).toBe(false);
    expect(decision.diff.changes).toEqual([
      { field: 'tail_number', kind: 'added', breaking: false, description: 'field "tail_number" (string, optional, nullable) added', after: fieldOf(candidate, 'tail_number') },
    ]);
  });

  it('refuses a field made nullable without a major bump', () => {
    const decision = refused(decideApply(flights(), withField('1.1.0', 'date', field('date', 'timestamp', { required: true, nullable: true }))));
    expect(decision.field).toBe('date');
    expect(decision.reason).toContain('field "date" changed from required, not nullable to required, nullable');
  });

  it('applies a constraint change under a patch bump, not breaking', () => {
    const decision = newVersion(decideApply(flights(), withField('1.0.1', 'delay', field('delay', 'int', { required: true, min: -120, max: 3000 }))));
    expect(decision.diff.breaking).toBe(false);
    expect(decision.diff.changes.map((c) => [c.field, c.kind, c.breaking])).toEqual([['delay', 'constraint_changed', false]]);
  });

  it('refuses an entity key change without a major bump', () => {
    const candidate = { ...flights('1.1.0'), entityKeys: ['origin', 'date'] };
    const decision = refused(decideApply(flights(), candidate));
    expect(decision.field).toBe('origin,date');
    expect(decision.reason).toContain('entity keys changed from [origin] to [origin, date]');
  });

  it('applies a version with no change at all', () => {
    const decision = newVersion(decideApply(flights(), flights('1.0.1')));
    expect(decision.diff).toEqual({ changes: [], expectationChanges: [], breaking: false });
  });
});

describe('diffContracts', () => {
  it('finds nothing between equal contracts', () => {
    expect(diffContracts(flights(), flights('9.9.9'))).toEqual({ changes: [], expectationChanges: [], breaking: false });
  });

  it('describes a removed field with its type', () => {
    const diff = diffContracts(flights(), withField('2.0.0', 'origin', null));
    expect(diff.changes).toContainEqual(
      expect.objectContaining({ field: 'origin', kind: 'removed', breaking: true, description: 'field "origin" (categorical) removed', before: fieldOf(flights(), 'origin') }),
    );
  });

  it('reports a retyped field with before and after', () => {
    const after = field('distance', 'float', { min: 1, max: 6000 });
    const diff = diffContracts(flights(), withField('2.0.0', 'distance', after));
    expect(diff.changes).toEqual([
      { field: 'distance', kind: 'type_changed', breaking: true, description: 'field "distance" changed type from int to float', before: fieldOf(flights(), 'distance'), after },
    ]);
    expect(diff.breaking).toBe(true);
  });

  it.each<[string, Partial<FieldSpec>, boolean]>([
    ['made nullable', { required: true, nullable: true }, true],
    ['made optional', { required: false, nullable: false }, true],
    ['made optional and nullable', { required: false, nullable: true }, true],
  ])('a non-nullable required field %s is breaking', (_case, presence, breaking) => {
    const diff = diffContracts(flights(), withField('2.0.0', 'origin', { ...fieldOf(flights(), 'origin'), ...presence }));
    expect(diff.changes).toEqual([expect.objectContaining({ field: 'origin', kind: 'nullability_changed', breaking })]);
    expect(diff.breaking).toBe(breaking);
  });

  it.each<[string, Partial<FieldSpec>]>([
    ['made required', { required: true }],
    ['made not nullable', { nullable: false }],
  ])('an optional nullable field %s is not breaking (tighter)', (_case, presence) => {
    const diff = diffContracts(flights(), withField('1.1.0', 'distance', { ...fieldOf(flights(), 'distance'), ...presence }));
    expect(diff.changes).toEqual([expect.objectContaining({ field: 'distance', kind: 'nullability_changed', breaking: false })]);
    expect(diff.breaking).toBe(false);
  });

  it('describes range, pattern and category changes as non-breaking constraint changes', () => {
    const candidate = flights('1.1.0');
    candidate.fields = candidate.fields.map((f) => {
      if (f.name === 'distance') return { ...f, min: undefined, max: 8000 };
      if (f.name === 'destination') return { ...f, pattern: '[A-Z]{3,4}' };
      if (f.name === 'origin') return { ...f, categories: ['ATL', 'BOS', 'LAX', 'SFO', 'SEA', 'ORD'] };
      return f;
    });
    const diff = diffContracts(flights(), candidate);
    expect(diff.breaking).toBe(false);
    expect(diff.changes.map((c) => [c.field, c.kind, c.breaking, c.description])).toEqual([
      ['distance', 'constraint_changed', false, 'field "distance": range [1, 6000] -> [-inf, 8000]'],
      ['origin', 'constraint_changed', false, 'field "origin": categories added: SEA, ORD; categories removed: ABQ'],
      ['destination', 'constraint_changed', false, 'field "destination": pattern [A-Z]{3} -> [A-Z]{3,4}'],
    ]);
  });

  it('ignores a reordering of categories', () => {
    const candidate = withField('1.0.1', 'origin', { ...fieldOf(flights(), 'origin'), categories: ['SFO', 'LAX', 'BOS', 'ATL', 'ABQ'] });
    expect(diffContracts(flights(), candidate).changes).toEqual([]);
  });

  it('reports every kind of change to one field at once', () => {
    const diff = diffContracts(flights(), withField('2.0.0', 'delay', field('delay', 'float', { required: false, min: 0 })));
    expect(diff.changes.map((c) => c.kind)).toEqual(['type_changed', 'nullability_changed', 'constraint_changed']);
  });

  it('flags entity key and event-time changes as breaking role changes', () => {
    const candidate = flights('2.0.0');
    candidate.fields = [...candidate.fields, field('departed_at', 'timestamp', { required: true, nullable: false })];
    candidate.eventTimeField = 'departed_at';
    candidate.entityKeys = ['origin', 'date'];
    const diff = diffContracts(flights(), candidate);
    expect(diff.breaking).toBe(true);
    expect(diff.changes.filter((c) => c.kind === 'role_changed')).toEqual([
      { field: 'departed_at', kind: 'role_changed', breaking: true, description: 'event-time field changed from "date" to "departed_at"' },
      { field: 'origin,date', kind: 'role_changed', breaking: true, description: 'entity keys changed from [origin] to [origin, date]' },
    ]);
  });

  it('treats a reordering of entity keys as a change', () => {
    const before = { ...flights(), entityKeys: ['origin', 'date'] };
    const after = { ...flights('2.0.0'), entityKeys: ['date', 'origin'] };
    expect(diffContracts(before, after).changes).toEqual([expect.objectContaining({ kind: 'role_changed', breaking: true })]);
  });

  it('lists removed, changed and added expectations without making them breaking', () => {
    const candidate = flights('1.1.0');
    candidate.expectations = [
      { name: 'delay_mostly_present', kind: 'null_rate', field: 'delay', maxRate: 0.05 },
      { name: 'delay_in_range', kind: 'out_of_range', field: 'delay', maxRate: 0.02 },
      { name: 'recent', kind: 'freshness', maxAgeSeconds: 3600 },
      { name: 'distance_present', kind: 'null_rate', field: 'distance', maxRate: 0.5 },
    ];
    const diff = diffContracts(flights(), candidate);
    expect(diff.expectationChanges).toEqual(['expectation "delay_in_range" changed', 'expectation "unique_flights" removed', 'expectation "recent" changed', 'expectation "distance_present" added']);
    expect(diff.changes).toEqual([]);
    expect(diff.breaking).toBe(false);
    expect(decideApply(flights(), candidate).outcome).toBe('new_version');
  });
});
