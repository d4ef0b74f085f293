import { type ReadResult } from '@mlops/events';
import { textProblem, timeProblem } from '../consumers/storable';
import { MAX_GRPC_CODE } from '../domain/operations/grpc-status';
import { type eventsV1, msFromDuration } from '@mlops/proto';
import { entityKeyText, loggedOutputs, loggedValue } from './logged-values';

/** One logged instance, ready to store. */
export interface StoredInstance {
  instanceIndex: number;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  entityKey: string | undefined;
}

/** One served request of the prediction log, ready to store. */
export interface LoggedPrediction {
  requestId: string;
  modelName: string;
  version: number;
  arm: string;
  predictedAt: Date;
  latencyMs: number;
  statusCode: number;
  instances: StoredInstance[];
}

/** Checks a decoded prediction log entry and maps it to what is stored; the reason names the first bad field. */
export function loggedPrediction(entry: eventsV1.PredictionLogged): ReadResult<LoggedPrediction> {
  const problem = (field: string, what: string): ReadResult<LoggedPrediction> => ({ ok: false, reason: `${field} ${what}` });
  if (!entry.requestId) return problem('request_id', 'is empty');
  if (!entry.modelName) return problem('model_name', 'is empty');
  if (!Number.isInteger(entry.modelVersion) || entry.modelVersion < 1) return problem('model_version', `must be 1 or more, got ${entry.modelVersion}`);
  if (!entry.arm) return problem('arm', 'is empty');
  const when = timeProblem(entry.predictedAt);
  if (when) return problem('predicted_at', when);
  const latencyMs = entry.latency ? msFromDuration(entry.latency) : Number.NaN;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) return problem('latency', 'is missing or negative');
  if (!Number.isInteger(entry.statusCode) || entry.statusCode < 0 || entry.statusCode > MAX_GRPC_CODE) return problem('status_code', `must be a gRPC status code (0-${MAX_GRPC_CODE}), got ${entry.statusCode}`);
  if (entry.statusCode === 0 && entry.instances.length === 0) return problem('instances', 'is empty for a successful request');
  const instances = entry.instances.map((instance, instanceIndex) => ({
    instanceIndex,
    inputs: Object.fromEntries(Object.entries(instance.inputs).map(([name, value]) => [name, loggedValue(value)])),
    outputs: loggedOutputs(instance.outputs),
    entityKey: entityKeyText(instance.entityKey),
  }));
  const unstorable = unstorableText(entry, instances);
  if (unstorable) return problem(unstorable.field, unstorable.problem);
  return {
    ok: true,
    value: { requestId: entry.requestId, modelName: entry.modelName, version: entry.modelVersion, arm: entry.arm, predictedAt: entry.predictedAt!, latencyMs, statusCode: entry.statusCode, instances },
  };
}

/** The first string of the entry PostgreSQL would refuse, which would otherwise stall the partition. */
function unstorableText(entry: eventsV1.PredictionLogged, instances: StoredInstance[]): { field: string; problem: string } | undefined {
  const texts: [string, unknown][] = [['request_id', entry.requestId], ['model_name', entry.modelName], ['arm', entry.arm]];
  instances.forEach((instance, i) => {
    for (const [name, value] of Object.entries(instance.inputs)) texts.push([`instances[${i}].inputs`, name], [`instances[${i}].inputs.${name}`, value]);
    for (const [name, value] of Object.entries(instance.outputs)) texts.push([`instances[${i}].outputs`, name], [`instances[${i}].outputs.${name}`, value]);
    texts.push([`instances[${i}].entity_key`, instance.entityKey]);
  });
  for (const [field, text] of texts) {
    const problem = typeof text === 'string' ? textProblem(text) : undefined;
    if (problem) return { field, problem };
  }
  return undefined;
}
