import { z } from 'zod';
import { DocumentError, parseLocatedDocument } from '@mlops/documents';
import { type AggregationFunction, type Definitions, type Entity, type Feature, type FeatureView, type Transformation, type ValueType } from './definitions';
import { parseDuration } from './durations';
import { compileFeatureExpression, ExpressionError, unknownFields } from './expression';
import { type SourceContract } from './source-contract';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (a-z, 0-9, _; starting with a letter)');
const MAX_DURATION_SECONDS = 10 * 366 * 86_400;
const duration = z
  .string()
  .refine((d) => parseDuration(d) !== undefined, 'must be a duration such as 90s, 15m, 1h, 7d or 2w')
  .refine((d) => (parseDuration(d) ?? 0) <= MAX_DURATION_SECONDS, 'must be at most ten years');
const AGGREGATIONS = ['count', 'sum', 'mean', 'min', 'max', 'last'] as const;
// An expression computes a number, a string or a truth value; timestamps come from fields.
const EXPRESSION_TYPES = ['int', 'float', 'string', 'bool'] as const;

const featureSchema = z.union([
  z.strictObject({ name, field: z.string(), description: z.string().default('') }),
  z.strictObject({ name, expression: z.string().min(1), type: z.enum(EXPRESSION_TYPES), description: z.string().default('') }),
  z.strictObject({
    name,
    aggregation: z.strictObject({ function: z.enum(AGGREGATIONS), field: z.string().optional(), window: duration }),
    description: z.string().default(''),
  }),
]);

const documentSchema = z.strictObject({
  entities: z.array(z.strictObject({ name, join_keys: z.array(z.string().min(1)).min(1), description: z.string().default('') })).default([]),
  feature_views: z
    .array(
      z.strictObject({
        name,
        entities: z.array(name).min(1),
        source: name,
        ttl: z.union([duration, z.literal(0)]).default(0),
        online: z.boolean().default(true),
        features: z.array(featureSchema).min(1),
        description: z.string().default(''),
        tags: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default([]),
  feature_services: z
    .array(
      z.strictObject({
        name,
        // Each entry: a view name (all its features) or { view: [features] }.
        features: z.array(z.union([name, z.record(name, z.array(name).min(1))])).min(1),
        description: z.string().default(''),
      }),
    )
    .default([]),
});

type Document = z.infer<typeof documentSchema>;
type Problem = [PropertyKey[], string];

/**
 * Parses a definitions document (YAML or JSON) and checks it against itself and against the source
 * datasets' contracts: every problem is reported at once, each with its path and line
 * (DocumentError), so nothing is applied half-checked.
 */
export function parseDefinitions(text: string, contracts: ReadonlyMap<string, SourceContract>): Definitions {
  const { data, locate } = parseLocatedDocument(text, documentSchema);
  const problems: Problem[] = [];
  const definitions = resolve(data, contracts, problems);
  if (problems.length > 0) throw new DocumentError(problems.map(([path, message]) => locate(path, message)));
  return definitions;
}

function duplicates<T extends { name: string }>(items: T[], path: string, problems: Problem[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) problems.push([[path, i, 'name'], `duplicate name "${item.name}"`]);
    seen.add(item.name);
  });
}

function resolve(doc: Document, contracts: ReadonlyMap<string, SourceContract>, problems: Problem[]): Definitions {
  duplicates(doc.entities, 'entities', problems);
  duplicates(doc.feature_views, 'feature_views', problems);
  duplicates(doc.feature_services, 'feature_services', problems);
  const entities = new Map(doc.entities.map((e): [string, Entity] => [e.name, { name: e.name, joinKeys: e.join_keys, description: e.description }]));

  const featureViews = doc.feature_views.map((v, i): FeatureView => {
    const at = (...path: PropertyKey[]) => ['feature_views', i, ...path];
    const contract = contracts.get(v.source);
    if (!contract) problems.push([at('source'), `dataset "${v.source}" has no contract in ingestion`]);
    v.entities.forEach((entityName, j) => {
      const entity = entities.get(entityName);
      if (!entity) problems.push([at('entities', j), `entity "${entityName}" is not defined`]);
      for (const key of entity?.joinKeys ?? []) {
        if (contract && !contract.fields.has(key)) problems.push([at('entities', j), `join key "${key}" of entity "${entityName}" is not a field of dataset "${v.source}" (contract ${contract.version})`]);
      }
    });
    const seen = new Set<string>();
    const features = v.features.map((f, j): Feature => {
      if (seen.has(f.name)) problems.push([at('features', j, 'name'), `duplicate feature "${f.name}"`]);
      seen.add(f.name);
      return resolveFeature(f, contract, (path, message) => problems.push([at('features', j, ...path), message]));
    });
    return {
      name: v.name,
      entities: v.entities,
      source: v.source,
      ttlSeconds: v.ttl === 0 ? 0 : parseDuration(v.ttl)!,
      online: v.online,
      features,
      description: v.description,
      tags: v.tags,
    };
  });

  const views = new Map(featureViews.map((v) => [v.name, v]));
  const featureServices = doc.feature_services.map((s, i) => ({
    name: s.name,
    description: s.description,
    projections: s.features.flatMap((entry, j) => {
      const [view, selected] = typeof entry === 'string' ? [entry, []] : Object.entries(entry)[0];
      const defined = views.get(view);
      if (!defined) {
        problems.push([['feature_services', i, 'features', j], `feature view "${view}" is not defined`]);
        return [];
      }
      for (const feature of selected) {
        if (!defined.features.some((f) => f.name === feature)) problems.push([['feature_services', i, 'features', j], `feature view "${view}" has no feature "${feature}"`]);
      }
      return [{ view, features: selected }];
    }),
  }));
  return { entities: [...entities.values()], featureViews, featureServices };
}

type Report = (path: PropertyKey[], message: string) => void;

function resolveFeature(f: Document['feature_views'][number]['features'][number], contract: SourceContract | undefined, report: Report): Feature {
  const sourceType = (field: string, path: PropertyKey[]): ValueType => {
    const type = contract?.fields.get(field);
    if (contract && !type) report(path, `field "${field}" is not in dataset "${contract.dataset}" (contract ${contract.version})`);
    return type ?? 'float';
  };
  if ('field' in f) {
    return { name: f.name, type: sourceType(f.field, ['field']), transformation: { kind: 'field', field: f.field }, description: f.description };
  }
  if ('expression' in f) {
    try {
      compileFeatureExpression(f.expression, f.type);
      if (contract) for (const unknown of unknownFields(f.expression, contract.fields)) report(['expression'], `field "${unknown}" is not in dataset "${contract.dataset}" (contract ${contract.version})`);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      report(['expression'], error.message);
    }
    return { name: f.name, type: f.type, transformation: { kind: 'expression', expression: f.expression }, description: f.description };
  }
  const { function: fn, field, window } = f.aggregation;
  const transformation: Transformation = { kind: 'aggregation', function: fn, field, windowSeconds: parseDuration(window)! };
  if (fn === 'count') {
    if (field !== undefined) report(['aggregation', 'field'], 'count counts events; it takes no field');
    return { name: f.name, type: 'int', transformation, description: f.description };
  }
  if (field === undefined) {
    report(['aggregation'], `${fn} needs the field it aggregates`);
    return { name: f.name, type: 'float', transformation, description: f.description };
  }
  const type = sourceType(field, ['aggregation', 'field']);
  const numeric = type === 'int' || type === 'float';
  if (!numeric && fn !== 'last') report(['aggregation', 'function'], `${fn} needs a numeric field; "${field}" is ${type}`);
  return { name: f.name, type: aggregateType(fn, type), transformation, description: f.description };
}

function aggregateType(fn: AggregationFunction, source: ValueType): ValueType {
  return fn === 'mean' ? 'float' : source;
}
