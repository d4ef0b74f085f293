import { Injectable } from '@nestjs/common';
import { type IHeaders } from 'kafkajs';
import { type SqlExecutor } from '@mlops/persistence';
import { type ReceivedLabel } from './read-label';

/** A label kept until its prediction arrives, with the original message to dead-letter if it never does. */
export interface HeldLabel {
  label: ReceivedLabel;
  message: Buffer;
  headers: IHeaders;
}

export interface PendingLabel extends HeldLabel {
  labelId: number;
  receivedAt: Date;
}

/**
 * Joins labels to stored predictions. By request id: every instance logged under that request and
 * index (the stable answer and its shadow copy alike), when the label was observed within the join
 * window after the prediction. By entity: the model's newest prediction for that entity at or before
 * the label's event time, within the join window, once the log has passed that time. Returns the
 * positions of the labels that matched.
 * (Updates answer through a CTE: TypeORM hands back `[rows, count]` for a bare UPDATE ... RETURNING.)
 */
@Injectable()
export class LabelRepository {
  async join(tx: SqlExecutor, labels: readonly ReceivedLabel[], joinWindowMs: number): Promise<Set<number>> {
    // Labels for the same prediction in one batch: the latest observation speaks for all of them.
    const groups = new Map<string, number[]>();
    labels.forEach((label, i) => {
      const key = targetKey(label);
      const group = groups.get(key);
      if (!group) groups.set(key, [i]);
      else if (label.observedAt >= labels[group[0]].observedAt) group.unshift(i);
      else group.push(i);
    });
    const speakers = [...groups.values()].map((group) => group[0]);
    const byRequest = speakers.flatMap((i) => { const j = labels[i].join; return j.by === 'request' ? [{ i, l: labels[i], j }] : []; });
    const byEntity = speakers.flatMap((i) => { const j = labels[i].join; return j.by === 'entity' ? [{ i, l: labels[i], j }] : []; });
    const window = `${joinWindowMs} milliseconds`;
    const joined: Labelled[] = [];
    if (byRequest.length > 0) {
      joined.push(...((await tx.query(
        `WITH l AS (SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::float8[], $6::timestamptz[]) AS l(ord, request_id, instance_index, model_name, label, observed_at))
         , updated AS (
           UPDATE predictions p SET ${keepNewestLabel('l')}
           FROM l, prediction_series s
           WHERE p.request_id = l.request_id AND p.instance_index = l.instance_index AND s.series_id = p.series_id
             AND (l.model_name = '' OR s.model_name = l.model_name) AND l.observed_at - p.predicted_at <= $7::interval
           RETURNING l.ord, p.series_id, p.seq, p.predicted_at)
         SELECT * FROM updated`,
        [byRequest.map((r) => r.i), byRequest.map((r) => r.j.requestId), byRequest.map((r) => r.j.instanceIndex), byRequest.map((r) => r.l.modelName), byRequest.map((r) => r.l.label), byRequest.map((r) => r.l.observedAt), window],
      )) as Labelled[]));
    }
    if (byEntity.length > 0) {
      joined.push(...((await tx.query(
        `WITH l AS (SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[], $5::float8[], $7::timestamptz[]) AS l(ord, entity_key, event_time, model_name, label, observed_at)),
         target AS (
           SELECT l.ord, l.label, l.observed_at, t.model_name, t.request_id, t.instance_index FROM l CROSS JOIN LATERAL (
             SELECT s.model_name, p.request_id, p.instance_index FROM predictions p JOIN prediction_series s USING (series_id)
             WHERE p.entity_key = l.entity_key AND p.predicted_at <= l.event_time AND p.predicted_at >= l.event_time - $6::interval
               AND l.observed_at - p.predicted_at <= $6::interval AND (l.model_name = '' OR s.model_name = l.model_name)
             ORDER BY p.predicted_at DESC LIMIT 1) t
           -- Only once the log has passed the label's time: a newer prediction of the entity may still be on its way.
           WHERE EXISTS (SELECT 1 FROM prediction_series m WHERE m.model_name = t.model_name AND m.newest_predicted_at >= l.event_time))
         , updated AS (
           UPDATE predictions p SET ${keepNewestLabel('target')}
           FROM target, prediction_series s
           WHERE s.series_id = p.series_id AND s.model_name = target.model_name AND p.request_id = target.request_id AND p.instance_index = target.instance_index
           RETURNING target.ord, p.series_id, p.seq, p.predicted_at)
         SELECT * FROM updated`,
        [byEntity.map((r) => r.i), byEntity.map((r) => r.j.entityKey), byEntity.map((r) => r.j.eventTime), byEntity.map((r) => r.l.modelName), byEntity.map((r) => r.l.label), window, byEntity.map((r) => r.l.observedAt)],
      )) as Labelled[]));
    }
    await markStale(tx, joined);
    const matched = new Set<number>();
    for (const row of joined) for (const i of groups.get(targetKey(labels[row.ord]))!) matched.add(i);
    return matched;
  }

  /** Which of the named models are binary classifiers, as the registry announced them: their labels are 0 or 1. */
  async classifiers(tx: SqlExecutor, modelNames: readonly string[]): Promise<Set<string>> {
    if (modelNames.length === 0) return new Set();
    const rows = (await tx.query('SELECT name FROM monitored_models WHERE name = ANY($1::text[]) AND task = 1', [modelNames])) as { name: string }[];
    return new Set(rows.map((r) => r.name));
  }

  async hold(tx: SqlExecutor, held: readonly HeldLabel[]): Promise<void> {
    if (held.length === 0) return;
    const request = (h: HeldLabel) => (h.label.join.by === 'request' ? h.label.join : undefined);
    const entity = (h: HeldLabel) => (h.label.join.by === 'entity' ? h.label.join : undefined);
    await tx.query(
      `INSERT INTO pending_labels (model_name, request_id, instance_index, entity_key, event_time, label, observed_at, message, headers)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::float8[], $7::timestamptz[], $8::bytea[], $9::jsonb[])`,
      [
        held.map((h) => h.label.modelName), held.map((h) => request(h)?.requestId ?? null), held.map((h) => request(h)?.instanceIndex ?? 0),
        held.map((h) => entity(h)?.entityKey ?? null), held.map((h) => entity(h)?.eventTime ?? null), held.map((h) => h.label.label),
        held.map((h) => h.label.observedAt), held.map((h) => h.message), held.map((h) => JSON.stringify(headersAsText(h.headers))),
      ],
    );
  }

  /** The oldest pending labels, locked so two replicas do not join or expire the same ones. */
  async pending(tx: SqlExecutor, limit: number): Promise<PendingLabel[]> {
    const rows = (await tx.query(
      'SELECT * FROM pending_labels ORDER BY label_id LIMIT $1 FOR UPDATE SKIP LOCKED',
      [limit],
    )) as { label_id: string; model_name: string; request_id: string | null; instance_index: number; entity_key: string | null; event_time: Date | null; label: number; observed_at: Date; received_at: Date; message: Buffer; headers: Record<string, string> }[];
    return rows.map((r) => ({
      labelId: Number(r.label_id), receivedAt: r.received_at, message: r.message, headers: r.headers,
      label: {
        modelName: r.model_name, label: r.label, observedAt: r.observed_at,
        join: r.request_id !== null ? { by: 'request', requestId: r.request_id, instanceIndex: r.instance_index } : { by: 'entity', entityKey: r.entity_key!, eventTime: r.event_time! },
      },
    }));
  }

  async release(tx: SqlExecutor, labelIds: readonly number[]): Promise<void> {
    if (labelIds.length > 0) await tx.query('DELETE FROM pending_labels WHERE label_id = ANY($1::bigint[])', [labelIds]);
  }

  async count(tx: SqlExecutor, modelNames: readonly string[], outcome: 'matched' | 'unmatched'): Promise<void> {
    if (modelNames.length === 0) return;
    await tx.query(
      `INSERT INTO label_counts (model_name, ${outcome}) SELECT model_name, count(*) FROM unnest($1::text[]) AS t(model_name) GROUP BY model_name
       ON CONFLICT (model_name) DO UPDATE SET ${outcome} = label_counts.${outcome} + EXCLUDED.${outcome}`,
      [modelNames],
    );
  }
}

/** What a label points at: two labels with the same target are about the same prediction. */
function targetKey({ modelName, join }: ReceivedLabel): string {
  return join.by === 'request' ? `r\u0000${modelName}\u0000${join.requestId}\u0000${join.instanceIndex}` : `e\u0000${modelName}\u0000${join.entityKey}\u0000${join.eventTime.getTime()}`;
}

/** The SET of a join from `source`: a label observed earlier than the one already joined (delivered out of order) does not replace it. */
const keepNewestLabel = (source: string) =>
  `label = CASE WHEN p.label_observed_at IS NULL OR p.label_observed_at <= ${source}.observed_at THEN ${source}.label ELSE p.label END,
             label_observed_at = greatest(p.label_observed_at, ${source}.observed_at), labelled_at = now()`;

interface Labelled {
  ord: number;
  series_id: number;
  seq: string;
  predicted_at: Date;
}

/**
 * Reports already computed over a prediction that just got its label: their performance is recomputed.
 * The series' lock is taken shared first, so a report being written right now (under the exclusive
 * lock) is committed before this looks for it, and a report being revised is marked again afterwards.
 */
async function markStale(tx: SqlExecutor, labelled: readonly Labelled[]): Promise<void> {
  if (labelled.length === 0) return;
  const seriesIds = [...new Set(labelled.map((l) => l.series_id))].sort((a, b) => a - b);
  for (const seriesId of seriesIds) await tx.query("SELECT pg_advisory_xact_lock_shared(hashtext('monitoring.series'), $1)", [seriesId]);
  const params = [labelled.map((l) => l.series_id), labelled.map((l) => l.seq), labelled.map((l) => l.predicted_at)];
  // Time windows and count windows apart, so each is a range lookup on its own index.
  await tx.query(
    `UPDATE reports r SET performance_stale = true FROM unnest($1::int[], $2::bigint[], $3::timestamptz[]) AS l(series_id, seq, predicted_at)
     WHERE r.series_id = l.series_id AND r.end_seq IS NULL AND r.window_end > l.predicted_at AND r.window_start <= l.predicted_at`,
    params,
  );
  await tx.query(
    `UPDATE reports r SET performance_stale = true FROM unnest($1::int[], $2::bigint[], $3::timestamptz[]) AS l(series_id, seq, predicted_at)
     WHERE r.series_id = l.series_id AND r.end_seq >= l.seq AND r.end_seq - r.prediction_count < l.seq`,
    params,
  );
}

/** Headers as JSON text; a NUL (which JSON in PostgreSQL refuses) becomes U+FFFD, since headers are only kept to be passed on. */
function headersAsText(headers: IHeaders): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name.replaceAll('\u0000', '\uFFFD')] = first.toString().replaceAll('\u0000', '\uFFFD');
  }
  return text;
}
