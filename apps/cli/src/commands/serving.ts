import { type commonV1, enumName, servingV1 as pb } from '@mlops/proto';
import { type CommandModule } from '../core/context';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { readDocument } from '../core/files';
import { type Platform } from '../core/platform';
import { positiveInt } from '../core/numbers';

/**
 * A value typed from the command line: numbers, true/false, null, else a string. (`--feature origin=SFO
 * --feature distance=2586`.) A JSON instances file keeps its own types.
 */
export function featureValue(text: string): commonV1.FeatureValue {
  if (text === 'null') return { kind: undefined };
  if (text === 'true' || text === 'false') return { kind: { $case: 'boolValue', value: text === 'true' } };
  const number = Number(text);
  if (text.trim() !== '' && Number.isFinite(number)) return { kind: { $case: 'doubleValue', value: number } };
  return { kind: { $case: 'stringValue', value: text } };
}

/** `name=value` pairs into typed values; a pair without `=` is a usage error naming it. */
export function assignments(pairs: readonly string[], flag: string): Record<string, commonV1.FeatureValue> {
  const values: Record<string, commonV1.FeatureValue> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`${flag} "${pair}": expected name=value`, EXIT.usage);
    values[pair.slice(0, at)] = featureValue(pair.slice(at + 1));
  }
  return values;
}

/** Instances from a JSON/YAML file: a list of `{ features: {...}, entity: {...} }` or of plain feature objects. */
export function instancesFrom(document: unknown, file: string): pb.Instance[] {
  const list = Array.isArray(document) ? document : (document as { instances?: unknown } | null)?.instances;
  if (!Array.isArray(list) || list.length === 0) throw new CliError(`${file}: expected a list of instances (or { instances: [...] })`, EXIT.dataError);
  return list.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new CliError(`${file}: instance ${i} is not an object`, EXIT.dataError);
    const { features, entity } = 'features' in item || 'entity' in item ? (item as { features?: object; entity?: object }) : { features: item, entity: undefined };
    const typed = (object: object | undefined) => Object.fromEntries(Object.entries(object ?? {}).map(([k, v]) => [k, jsonValue(v, `${file}: instance ${i}, ${k}`)]));
    return { features: typed(features), entityKey: entity ? { joinKeys: typed(entity) } : undefined };
  });
}

function jsonValue(value: unknown, where: string): commonV1.FeatureValue {
  if (value === null) return { kind: undefined };
  if (typeof value === 'number') return { kind: { $case: 'doubleValue', value } };
  if (typeof value === 'boolean') return { kind: { $case: 'boolValue', value } };
  if (typeof value === 'string') return { kind: { $case: 'stringValue', value } };
  throw new CliError(`${where}: a value must be a number, string, boolean or null`, EXIT.dataError);
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `mlops predict`, `deployment`: the serving service. */
export const servingCommands: CommandModule = (program, context) => {
  program
    .command('predict <model>')
    .description('send a prediction: one instance from --feature/--entity, or many from --file')
    .option('--feature <name=value>', 'a feature value (repeat)', collect, [])
    .option('--entity <key=value>', 'an entity key, to enrich from online features (repeat for composite keys)', collect, [])
    .option('--file <path>', 'JSON or YAML list of instances')
    .option('--version <n>', 'a pinned version (default: routed by the deployment)')
    .option('--request-id <id>', 'request id, for joining labels later')
    .action(async (model: string, o: { feature: string[]; entity: string[]; file?: string; version?: string; requestId?: string }) => {
      const { platform, out } = context();
      if (o.file && (o.feature.length > 0 || o.entity.length > 0)) throw new CliError('give --file or --feature/--entity, not both', EXIT.usage);
      const instances = o.file ? instancesFrom(readDocument(o.file), o.file) : [{ features: assignments(o.feature, '--feature'), entityKey: o.entity.length > 0 ? { joinKeys: assignments(o.entity, '--entity') } : undefined }];
      if (!o.file && o.feature.length === 0 && o.entity.length === 0) throw new CliError('nothing to predict: give --feature name=value, --entity key=value or --file', EXIT.usage);
      const version = o.version === undefined ? undefined : Number(o.version);
      if (version !== undefined && (!Number.isInteger(version) || version < 1)) throw new CliError(`--version must be 1 or more, got "${o.version}"`, EXIT.usage);
      const answer = await platform.rpc(
        'serving',
        'predict',
        pb.PredictRequest.fromPartial({ modelName: model, instances, requestId: o.requestId ?? '', target: version ? { $case: 'version', value: version } : undefined, returnFeatures: true }),
      );
      out.say(`${answer.modelName} v${answer.modelVersion} (${answer.arm}), request ${answer.requestId}`);
      const outputs = Object.keys(answer.predictions[0]?.outputs ?? {});
      out.table(
        answer.predictions,
        Object.fromEntries(outputs.map((name) => [name, (p: pb.Prediction) => p.outputs[name]?.doubleValues[0] ?? p.outputs[name]?.stringValues[0] ?? p.outputs[name]?.int64Values[0]])),
        pb.PredictResponse.toJSON(answer),
      );
    });

  program
    .command('deployment <model>')
    .description("a model's deployment: routing (stable, canary, shadow), online enrichment, the last change, and each arm's load state")
    .action(async (model: string) => {
      const { platform, out } = context();
      const answer = await platform.rpc('serving', 'getDeployment', { modelName: model }, { auth: true });
      const d = answer.deployment;
      if (!out.json && d) {
        const percent = (weight: number) => `${Math.round(weight * 100)}%`;
        out.record({
          revision: d.revision, alias: d.alias || undefined,
          routing: [`stable v${d.stableVersion}`, d.canary && `canary v${d.canary.version} ${percent(d.canary.weight)}`, d.shadow && `shadow v${d.shadow.version}`].filter(Boolean).join(', '),
          enrichment: d.enrichment?.featureService ? `feature service ${d.enrichment.featureService.name}, fallback ${enumName(pb.FeatureFallback, d.enrichment.fallback, 'FEATURE_FALLBACK_').toLowerCase()}, ${d.enrichment.timeoutMs} ms` : 'none',
          changed: `${d.updatedAt?.toISOString() ?? '?'} by ${d.updatedBy || '?'}: ${d.changeReason || '-'}`,
        });
        out.say('');
      }
      out.table(answer.arms, { arm: (a) => a.arm, version: (a) => a.version, state: (a) => enumName(pb.LoadState, a.state, 'LOAD_STATE_').toLowerCase(), loaded: (a) => a.loadedAt, error: (a) => a.error }, pb.GetDeploymentResponse.toJSON(answer));
    });

  program
    .command('enrich <model> <feature-service>')
    .description("have the model's deployment look up online features by each instance's entity key (SetDeployment; needs admin). Values sent with an instance win")
    .option('--fallback <how>', 'when the lookup fails or a value is missing: "defaults" (missing values go in as missing) or "error"', 'defaults')
    .option('--timeout-ms <n>', 'lookup budget per request', (v) => positiveInt(v, '--timeout-ms'), 200)
    .action(async (model: string, service: string, o: { fallback: string; timeoutMs: number }) => {
      const { platform, out } = context();
      const fallback = { defaults: pb.FeatureFallback.FEATURE_FALLBACK_DEFAULTS, error: pb.FeatureFallback.FEATURE_FALLBACK_ERROR }[o.fallback];
      if (fallback === undefined) throw new CliError(`--fallback must be defaults or error, got "${o.fallback}"`, EXIT.usage);
      const answer = await enrichDeployment(platform, model, service, { fallback, timeoutMs: o.timeoutMs });
      if (out.json) return out.record({}, pb.SetDeploymentResponse.toJSON(answer));
      out.say(`"${model}" now enriches instances from feature service ${service} (revision ${answer.deployment?.revision ?? '?'})`);
    });
};

/** The model's deployment, changed to look up online features from `service` by each instance's entity key (SetDeployment). */
export async function enrichDeployment(platform: Platform, model: string, service: string, o: { fallback: pb.FeatureFallback; timeoutMs: number }): Promise<pb.SetDeploymentResponse> {
  const { deployment } = await platform.rpc('serving', 'getDeployment', { modelName: model }, { auth: true });
  if (!deployment) throw new CliError(`serving returned no deployment for "${model}"`, EXIT.failure);
  const enrichment = { featureService: { name: service, version: 0 }, fallback: o.fallback, defaults: {}, timeoutMs: o.timeoutMs };
  return platform.rpc('serving', 'setDeployment', { deployment: { ...deployment, enrichment }, expectedRevision: deployment.revision, reason: `online features from ${service}` }, { auth: true });
}
