import { compileFeatureExpression, ExpressionError, unknownFields } from './expression';

describe('compileFeatureExpression', () => {
  it('evaluates arithmetic over a row, typed as declared', () => {
    expect(compileFeatureExpression('distance * 1.609', 'float')({ distance: 1000 })).toBeCloseTo(1609);
    expect(compileFeatureExpression('distance / 7', 'int')({ distance: 100 })).toBe(14);
    expect(compileFeatureExpression('delay > 15', 'bool')({ delay: 16 })).toBe(true);
    expect(compileFeatureExpression('if delay > 15 then 1 else 0', 'int')({ delay: 3 })).toBe(0);
  });

  it('gives null for a null operand or a wrong type instead of failing', () => {
    expect(compileFeatureExpression('distance * 2', 'float')({ distance: null })).toBeNull();
    expect(compileFeatureExpression('distance * 2', 'float')({ distance: 'far' })).toBeNull();
  });

  it('refuses an expression that does not parse, saying so', () => {
    expect(() => compileFeatureExpression('distance *', 'float')).toThrow(ExpressionError);
    expect(() => compileFeatureExpression('distance *', 'float')).toThrow(/^does not parse: /);
  });
});

describe('unknownFields', () => {
  const fields = new Map([['distance', 'int' as const], ['origin', 'string' as const]]);

  it('names the fields an expression reads that the source lacks', () => {
    expect(unknownFields('distance / air_time + taxi', fields)).toEqual(['air_time', 'taxi']);
  });

  it('is empty when every field is known', () => {
    expect(unknownFields('abs(distance) + 1', fields)).toEqual([]);
  });
});
