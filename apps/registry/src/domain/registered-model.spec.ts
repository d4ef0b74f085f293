import { validateNewRegisteredModel } from './registered-model';

const valid = { name: 'flight-delay_v2.1', description: 'predicts delay > 15 min', owner: 'ana', tags: { team: 'ops', 'k8s.io/app': 'x' }, task: 1 };

describe('validateNewRegisteredModel', () => {
  it('accepts a well-formed model', () => {
    expect(validateNewRegisteredModel(valid)).toEqual([]);
  });

  it.each([
    ['', 'is required'],
    ['-leading-dash', 'must start with a letter or digit'],
    ['has space', 'must start with a letter or digit'],
    ['x'.repeat(129), 'at most 128'],
  ])('rejects the name %j', (name, message) => {
    const [violation] = validateNewRegisteredModel({ ...valid, name });
    expect(violation.field).toBe('name');
    expect(violation.description).toContain(message);
  });

  it('reports every problem at once, by field', () => {
    const violations = validateNewRegisteredModel({ ...valid, name: '', description: 'd'.repeat(4_097), tags: { 'bad key': 'v', ok: 'v'.repeat(1_025) } });
    expect(violations.map((v) => v.field)).toEqual(['name', 'description', 'tags[bad key]', 'tags[ok]']);
  });
});
