import { type eventsV1 } from '@mlops/proto';
import { type ReadResult } from '@mlops/events';
import { textProblem, timeProblem } from '../consumers/storable';
import { entityKeyText, loggedValue } from '../predictions/logged-values';

/** A label as joined: by request id (and instance), or by entity and the time the label refers to. */
export interface ReceivedLabel {
  modelName: string;
  join: { by: 'request'; requestId: string; instanceIndex: number } | { by: 'entity'; entityKey: string; eventTime: Date };
  label: number;
  observedAt: Date;
}

/**
 * Checks a decoded label: it must say which prediction it is for and carry a number or a boolean
 * (true = 1). Without an observation time it counts as observed when it was produced.
 */
export function receivedLabel(event: eventsV1.LabelReceived, producedAt: Date): ReadResult<ReceivedLabel> {
  const problem = (reason: string): ReadResult<ReceivedLabel> => ({ ok: false, reason });
  const value = loggedValue(event.label);
  if (typeof value !== 'number' && typeof value !== 'boolean') return problem(`label must be a number or a boolean, got ${value === null ? 'null' : JSON.stringify(value)}`);
  const label = Number(value);
  if (!Number.isFinite(label)) return problem('label is not a finite number');
  if (event.instanceIndex < 0) return problem(`instance_index must be 0 or more, got ${event.instanceIndex}`);
  const observedAt = event.observedAt ?? producedAt;
  const when = timeProblem(observedAt);
  if (when) return problem(`observed_at ${when}`);
  const join = event.join;
  const unstorable = [event.modelName, join?.$case === 'requestId' ? join.value : ''].map(textProblem).find(Boolean);
  if (unstorable) return problem(`model_name or request_id ${unstorable}`);
  if (join?.$case === 'requestId' && join.value) {
    return { ok: true, value: { modelName: event.modelName, join: { by: 'request', requestId: join.value, instanceIndex: event.instanceIndex }, label, observedAt } };
  }
  if (join?.$case === 'entity') {
    const entityKey = entityKeyText(join.value.entityKey);
    if (!entityKey) return problem('entity.entity_key has no join keys');
    const eventTime = timeProblem(join.value.eventTime);
    if (eventTime) return problem(`entity.event_time ${eventTime}`);
    const keyProblem = textProblem(entityKey);
    if (keyProblem) return problem(`entity.entity_key ${keyProblem}`);
    return { ok: true, value: { modelName: event.modelName, join: { by: 'entity', entityKey, eventTime: join.value.eventTime! }, label, observedAt } };
  }
  return problem('neither request_id nor entity says which prediction the label is for');
}
