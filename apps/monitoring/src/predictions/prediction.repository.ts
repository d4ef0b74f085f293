import { Injectable } from '@nestjs/common';
import { type SqlExecutor } from '@mlops/persistence';
import { type LoggedPrediction } from './read-logged-prediction';

const seriesKey = (model: string, version: number, arm = '') => `${model}\u0000${version}\u0000${arm}`;

/** Writes the prediction log into per-series tables, a consumed batch in a handful of statements. */
@Injectable()
export class PredictionRepository {
  /** Which of the (model, version) pairs monitoring has a registration for. */
  async knownVersions(tx: SqlExecutor, predictions: readonly LoggedPrediction[]): Promise<Set<string>> {
    const pairs = [...new Map(predictions.map((p) => [seriesKey(p.modelName, p.version), p])).values()];
    const rows = (await tx.query(
      'SELECT model_name, version FROM monitored_versions WHERE (model_name, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))',
      [pairs.map((p) => p.modelName), pairs.map((p) => p.version)],
    )) as { model_name: string; version: number }[];
    return new Set(rows.map((r) => seriesKey(r.model_name, r.version)));
  }

  isKnown(known: Set<string>, prediction: LoggedPrediction): boolean {
    return known.has(seriesKey(prediction.modelName, prediction.version));
  }

  /**
   * Hands out `count` sequence numbers of a series in consumption order, under its row lock (count
   * windows cut on them). The update comes first: an upsert would use up a serial value on every batch.
   */
  private async advanceSeries(tx: SqlExecutor, series: { modelName: string; version: number; arm: string }, count: number, first: Date, newest: Date): Promise<{ seriesId: number; firstSeq: number }> {
    const params = [series.modelName, series.version, series.arm, count, first, newest];
    // Through CTEs: TypeORM hands back `[rows, count]` for a bare UPDATE ... RETURNING.
    const [updated] = (await tx.query(
      `WITH advanced AS (
         UPDATE prediction_series SET next_seq = next_seq + $4::bigint, first_predicted_at = least(first_predicted_at, $5), newest_predicted_at = greatest(newest_predicted_at, $6)
         WHERE model_name = $1 AND version = $2 AND arm = $3 RETURNING series_id, next_seq - $4::bigint AS first_seq)
       SELECT * FROM advanced`,
      params,
    )) as { series_id: number; first_seq: string }[];
    const [row] = updated
      ? [updated]
      : ((await tx.query(
          `INSERT INTO prediction_series (model_name, version, arm, next_seq, first_predicted_at, newest_predicted_at) VALUES ($1, $2, $3, 1 + $4::bigint, $5, $6)
           ON CONFLICT (model_name, version, arm) DO UPDATE SET next_seq = prediction_series.next_seq + $4::bigint,
             first_predicted_at = least(prediction_series.first_predicted_at, EXCLUDED.first_predicted_at),
             newest_predicted_at = greatest(prediction_series.newest_predicted_at, EXCLUDED.newest_predicted_at)
           RETURNING series_id, next_seq - $4::bigint AS first_seq`,
          params,
        )) as { series_id: number; first_seq: string }[]);
    return { seriesId: row.series_id, firstSeq: Number(row.first_seq) };
  }

  async store(tx: SqlExecutor, predictions: readonly LoggedPrediction[]): Promise<void> {
    const bySeries = new Map<string, LoggedPrediction[]>();
    for (const p of predictions) {
      const key = seriesKey(p.modelName, p.version, p.arm);
      const group = bySeries.get(key) ?? [];
      group.push(p);
      bySeries.set(key, group);
    }
    const requests = { series: [] as number[], id: [] as string[], at: [] as Date[], latency: [] as number[], code: [] as number[], count: [] as number[] };
    const instances = { series: [] as number[], seq: [] as number[], id: [] as string[], index: [] as number[], at: [] as Date[], inputs: [] as string[], outputs: [] as string[], entity: [] as (string | null)[] };
    for (const group of bySeries.values()) {
      const { modelName, version, arm } = group[0];
      const instanceCount = group.reduce((n, p) => n + p.instances.length, 0);
      const times = group.map((p) => p.predictedAt.getTime());
      const { seriesId, firstSeq } = await this.advanceSeries(tx, { modelName, version, arm }, instanceCount, new Date(Math.min(...times)), new Date(Math.max(...times)));
      let seq = firstSeq;
      for (const p of group) {
        requests.series.push(seriesId);
        requests.id.push(p.requestId);
        requests.at.push(p.predictedAt);
        requests.latency.push(p.latencyMs);
        requests.code.push(p.statusCode);
        requests.count.push(p.instances.length);
        for (const instance of p.instances) {
          instances.series.push(seriesId);
          instances.seq.push(seq++);
          instances.id.push(p.requestId);
          instances.index.push(instance.instanceIndex);
          instances.at.push(p.predictedAt);
          instances.inputs.push(JSON.stringify(instance.inputs));
          instances.outputs.push(JSON.stringify(instance.outputs));
          instances.entity.push(instance.entityKey ?? null);
        }
      }
    }
    await tx.query(
      `INSERT INTO served_requests (series_id, request_id, predicted_at, latency_ms, status_code, instance_count)
       SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::real[], $5::smallint[], $6::int[])`,
      [requests.series, requests.id, requests.at, requests.latency, requests.code, requests.count],
    );
    if (instances.series.length === 0) return;
    await tx.query(
      `INSERT INTO predictions (series_id, seq, request_id, instance_index, predicted_at, inputs, outputs, entity_key)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::int[], $5::timestamptz[], $6::jsonb[], $7::jsonb[], $8::text[])`,
      [instances.series, instances.seq, instances.id, instances.index, instances.at, instances.inputs, instances.outputs, instances.entity],
    );
  }
}
