import { type ReadResult } from '../consumers/read-catalog-event';
import { type eventsV1 } from '@mlops/proto';
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
  if (!entry.predictedAt || Number.isNaN(entry.predictedAt.getTime())) return problem('predicted_at', 'is missing');
  const latencyMs = entry.latency ? entry.latency.seconds * 1000 + entry.latency.nanos / 1e6 : Number.NaN;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) return problem('latency', 'is missing or negative');
  if (entry.statusCode === 0 && entry.instances.length === 0) return problem('instances', 'is empty for a successful request');
  return {
    ok: true,
    value: {
      requestId: entry.requestId, modelName: entry.modelName, version: entry.modelVersion, arm: entry.arm,
      predictedAt: entry.predictedAt, latencyMs, statusCode: entry.statusCode,
      instances: entry.instances.map((instance, instanceIndex) => ({
        instanceIndex,
        inputs: Object.fromEntries(Object.entries(instance.inputs).map(([name, value]) => [name, loggedValue(value)])),
        outputs: loggedOutputs(instance.outputs),
        entityKey: entityKeyText(instance.entityKey),
      })),
    },
  };
}
