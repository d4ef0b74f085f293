import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('is the same whatever order keys were written in, at any depth, and ignores undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: undefined } })).toBe(canonicalJson({ a: { d: [{ x: 2, y: 1 }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('orders keys by code unit, whatever the locale, so distinct keys never tie', () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, é: 4, 'e\u0301': 5 })).toBe('{"B":3,"a":2,"b":1,"e\u0301":5,"é":4}');
    expect(canonicalJson({ 'a\u0001b': 1, ab: 2 })).toBe(canonicalJson({ ab: 2, 'a\u0001b': 1 }));
  });

  it('differs when a value, a key or the order of an array differs', () => {
    const base = canonicalJson({ a: [1, 2], b: 'x' });
    expect(canonicalJson({ a: [2, 1], b: 'x' })).not.toBe(base);
    expect(canonicalJson({ a: [1, 2], c: 'x' })).not.toBe(base);
    expect(canonicalJson({ a: [1, 2], b: 'y' })).not.toBe(base);
  });
});
