import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CoverageScope {
  modelName: string;
  /** 0 = every version. */
  version: number;
  /** '' = every arm. */
  arm: string;
  /** Predictions made in [from, to); an unset bound is open. */
  from: Date | undefined;
  to: Date | undefined;
}

export interface LabelCoverage {
  predictions: number;
  labelled: number;
  /** Unlabelled, and a label may still join them. */
  pending: number;
  /** Unlabelled, and past the join window. */
  expired: number;
  /** The model's labels that matched no prediction, over all time: they carry no prediction time to scope them by. */
  unmatchedLabels: number;
  /** Undefined while nothing is labelled. */
  medianLabelDelayMs: number | undefined;
}

/**
 * How far labels have caught up with a model's predictions. A prediction's join window is measured
 * on prediction time, from the model's newest prediction, the clock its windows close by: a replayed
 * backlog is judged as it was live, not as expired because the wall clock moved on.
 */
@Injectable()
export class LabelCoverageQuery {
  constructor(private readonly db: DataSource) {}

  async of(scope: CoverageScope, joinWindowMs: number): Promise<LabelCoverage> {
    const [row] = await this.db.query<{ predictions: string; labelled: string; pending: string; expired: string; unmatched: string | null; median_delay_ms: number | null }[]>(
      `WITH joinable AS (
         SELECT max(newest_predicted_at) - $6::interval AS since FROM prediction_series WHERE model_name = $1)
       SELECT count(*) AS predictions, count(*) FILTER (WHERE p.label IS NOT NULL) AS labelled,
              count(*) FILTER (WHERE p.label IS NULL AND p.predicted_at >= joinable.since) AS pending,
              count(*) FILTER (WHERE p.label IS NULL AND p.predicted_at < joinable.since) AS expired,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.label_observed_at - p.predicted_at)::float8 * 1000) FILTER (WHERE p.label IS NOT NULL) AS median_delay_ms,
              (SELECT unmatched FROM label_counts WHERE model_name = $1) AS unmatched
       FROM predictions p JOIN prediction_series s USING (series_id) CROSS JOIN joinable
       WHERE s.model_name = $1 AND ($2::int = 0 OR s.version = $2) AND ($3::text = '' OR s.arm = $3)
         AND ($4::timestamptz IS NULL OR p.predicted_at >= $4) AND ($5::timestamptz IS NULL OR p.predicted_at < $5)`,
      [scope.modelName, scope.version, scope.arm, scope.from ?? null, scope.to ?? null, `${joinWindowMs} milliseconds`],
    );
    // Aggregates without GROUP BY: exactly one row, with zero counts when nothing matches.
    return {
      predictions: Number(row.predictions), labelled: Number(row.labelled), pending: Number(row.pending), expired: Number(row.expired),
      unmatchedLabels: Number(row.unmatched ?? 0), medianLabelDelayMs: row.median_delay_ms ?? undefined,
    };
  }
}
