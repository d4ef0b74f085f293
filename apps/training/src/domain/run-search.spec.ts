import { parseFilter, parseOrdering, SearchSyntaxError } from './run-search';

describe('parseFilter', () => {
  it('reads conditions joined by and, with numbers for metrics and strings for the rest', () => {
    expect(parseFilter(`metrics.roc_auc >= 0.7 AND params.trainer = 'gbdt' and tags."x" != "y" and status = 'SUCCEEDED'`.replace('tags."x"', 'tags.x'))).toEqual([
      { scope: 'metrics', key: 'roc_auc', operator: '>=', value: 0.7 },
      { scope: 'params', key: 'trainer', operator: '=', value: 'gbdt' },
      { scope: 'tags', key: 'x', operator: '!=', value: 'y' },
      { scope: 'attributes', key: 'status', operator: '=', value: 'SUCCEEDED' },
    ]);
  });

  it('is empty for an empty filter', () => {
    expect(parseFilter('  ')).toEqual([]);
  });

  it.each([
    ['metrics.roc_auc > high', 'expected <scope>.<key> <operator> <value>'],
    ["metrics.roc_auc > '0.7'", 'metrics compare with numbers'],
    ["params.a = 'x' or params.b = 'y'", 'conditions are joined with "and", not "or"'],
    ["params.a = 'x' and", 'the filter ends with "and"'],
    ["colour.a = 'x'", 'names nothing a run has'],
    ["attributes.flavour = 'x'", 'is not a run attribute'],
    ["params.a = 'x' ; drop", 'cannot read the filter at position 16'],
  ])('refuses %s, saying why', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(SearchSyntaxError);
    expect(() => parseFilter(filter)).toThrow(message);
  });
});

describe('parseOrdering', () => {
  it('reads keys with an optional direction', () => {
    expect(parseOrdering(['metrics.roc_auc DESC', 'start_time'])).toEqual([
      { scope: 'metrics', key: 'roc_auc', descending: true },
      { scope: 'attributes', key: 'start_time', descending: false },
    ]);
  });

  it('refuses anything else', () => {
    expect(() => parseOrdering(['metrics.roc_auc sideways'])).toThrow('is not <scope>.<key> [asc|desc]');
  });
});
