/**
 * The run search language, MLflow's subset: conditions joined by `and`, each
 * `<metrics|params|tags|attributes>.<key> <op> <value>`, e.g.
 * `metrics.roc_auc >= 0.7 and params.trainer = 'gbdt' and attributes.status = 'SUCCEEDED'`.
 * Metrics compare numbers (their latest value); params, tags and attributes compare strings.
 * Order by `<same prefixes>.<key> [asc|desc]`.
 */

export type Scope = 'metrics' | 'params' | 'tags' | 'attributes';
export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export const ATTRIBUTES = ['status', 'name', 'run_id', 'started_by', 'start_time', 'end_time', 'created_at'] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export interface Condition {
  scope: Scope;
  key: string;
  operator: Operator;
  value: string | number;
}

export interface Ordering {
  scope: Scope;
  key: string;
  descending: boolean;
}

export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
  constructor(
    message: string,
    readonly field: 'filter' | 'order_by',
  ) {
    super(message);
  }
}

const TOKEN = /\s*(?:(?<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?<operator>!=|<=|>=|=|<|>)|(?<word>[A-Za-z_][A-Za-z0-9_.\-/]*))/y;

function tokens(text: string): { kind: 'string' | 'number' | 'operator' | 'word'; text: string }[] {
  const out: { kind: 'string' | 'number' | 'operator' | 'word'; text: string }[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const rest = text.slice(TOKEN.lastIndex);
    const at = TOKEN.lastIndex + rest.length - rest.trimStart().length;
    const match = TOKEN.exec(text);
    if (!match?.groups) throw new SearchSyntaxError(`cannot read the filter at position ${at + 1}: "${text.slice(at, at + 12)}"`, 'filter');
    const [kind, value] = Object.entries(match.groups).find(([, v]) => v !== undefined)! as ['string' | 'number' | 'operator' | 'word', string];
    out.push({ kind, text: value });
  }
  return out;
}

function reference(text: string, field: 'filter' | 'order_by'): { scope: Scope; key: string } {
  const dot = text.indexOf('.');
  const [scope, key] = dot < 0 ? ['attributes', text] : [text.slice(0, dot), text.slice(dot + 1)];
  const scopes: Scope[] = ['metrics', 'params', 'tags', 'attributes'];
  if (!scopes.includes(scope as Scope) || key === '') throw new SearchSyntaxError(`"${text}" names nothing a run has: write metrics.<key>, params.<key>, tags.<key> or attributes.<name>`, field);
  if (scope === 'attributes' && !ATTRIBUTES.includes(key as Attribute)) throw new SearchSyntaxError(`"${key}" is not a run attribute; one of ${ATTRIBUTES.join(', ')}`, field);
  return { scope: scope as Scope, key };
}

export function parseFilter(filter: string): Condition[] {
  const list = tokens(filter);
  const conditions: Condition[] = [];
  for (let i = 0; i < list.length; ) {
    const [name, operator, value] = [list[i], list[i + 1], list[i + 2]];
    if (name?.kind !== 'word' || operator?.kind !== 'operator' || !value || (value.kind !== 'string' && value.kind !== 'number')) {
      throw new SearchSyntaxError(`expected <scope>.<key> <operator> <value> at "${list.slice(i, i + 3).map((t) => t.text).join(' ')}"`, 'filter');
    }
    const { scope, key } = reference(name.text, 'filter');
    if (scope === 'metrics' && value.kind !== 'number') throw new SearchSyntaxError(`metrics compare with numbers: ${name.text} ${operator.text} ${value.text}`, 'filter');
    conditions.push({ scope, key, operator: operator.text as Operator, value: value.kind === 'number' ? Number(value.text) : value.text.slice(1, -1).replace(/\\(.)/g, '$1') });
    i += 3;
    if (i < list.length) {
      if (list[i].kind !== 'word' || list[i].text.toLowerCase() !== 'and') throw new SearchSyntaxError(`conditions are joined with "and", not "${list[i].text}"`, 'filter');
      i++;
      if (i === list.length) throw new SearchSyntaxError('the filter ends with "and"', 'filter');
    }
  }
  return conditions;
}

export function parseOrdering(orderBy: string[]): Ordering[] {
  return orderBy.map((clause) => {
    const [name, direction, extra] = clause.trim().split(/\s+/);
    if (!name || extra !== undefined || (direction !== undefined && !/^(asc|desc)$/i.test(direction))) throw new SearchSyntaxError(`"${clause}" is not <scope>.<key> [asc|desc]`, 'order_by');
    return { ...reference(name, 'order_by'), descending: direction?.toLowerCase() === 'desc' };
  });
}
