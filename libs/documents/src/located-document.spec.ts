import { z } from 'zod';
import { DocumentError, type DocumentProblem, parseLocatedDocument } from './located-document';

const schema = z.strictObject({ name: z.string(), items: z.array(z.strictObject({ size: z.number().int() })).default([]) });

function problemsOf(text: string): DocumentProblem[] {
  try {
    parseLocatedDocument(text, schema);
  } catch (error) {
    if (error instanceof DocumentError) return error.problems;
    throw error;
  }
  throw new Error('expected a DocumentError');
}

describe('parseLocatedDocument', () => {
  it('returns the checked data, YAML or JSON alike', () => {
    expect(parseLocatedDocument('name: a\nitems:\n  - size: 2\n', schema).data).toEqual({ name: 'a', items: [{ size: 2 }] });
    expect(parseLocatedDocument('{"name": "a"}', schema).data).toEqual({ name: 'a', items: [] });
  });

  it('locates a syntax error by line and column', () => {
    expect(problemsOf('name: a\nname: b\n')).toEqual([expect.objectContaining({ path: '', line: 2, column: 1 })]);
  });

  it('locates every schema problem at its node, a missing key at its parent', () => {
    const problems = problemsOf('items:\n  - size: 2\n  - size: 2.5\n    colour: red\n');
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['name', 1],
      ['items[1].size', 3],
      ['items[1]', 3],
    ]);
    expect(new DocumentError(problems).message).toContain('line 3: items[1].size: ');
  });

  it('locates a problem found after parsing', () => {
    const { locate } = parseLocatedDocument('name: a\nitems:\n  - size: 2\n', schema);
    expect(locate(['items', 0, 'size'], 'too small')).toEqual({ path: 'items[0].size', line: 3, column: 11, message: 'too small' });
  });
});
