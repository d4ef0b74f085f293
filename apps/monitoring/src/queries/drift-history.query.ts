import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { monitoringV1 as pb } from '@mlops/proto';

export interface DriftHistoryScope {
  modelName: string;
  /** 0 = every version. */
  version: number;
  /** '' = every arm. */
  arm: string;
  feature: string;
  windowKey: string;
  /** Windows overlapping [from, to); an unset bound is open. */
  from: Date | undefined;
  to: Date | undefined;
}

export interface DriftHistoryPoint {
  reportId: string;
  start: Date;
  end: Date;
  drift: pb.DriftResult;
}

/** Where the previous page ended. */
export interface DriftHistoryPosition {
  windowEnd: string;
  reportId: string;
}

/** One feature's drift over time, from the per-window drift rows stored with each report. */
@Injectable()
export class DriftHistoryQuery {
  constructor(private readonly db: DataSource) {}

  /** In window order, keyset-paged on (window_end, report_id); fetches one extra row to know if more follow. */
  async page(scope: DriftHistoryScope, limit: number, after?: DriftHistoryPosition): Promise<{ points: DriftHistoryPoint[]; more: boolean }> {
    const rows = await this.db.query<{ report_id: string; window_start: Date; window_end: Date; result: unknown }[]>(
      `SELECT d.report_id, d.window_start, d.window_end, d.result FROM feature_drift d JOIN prediction_series s USING (series_id)
       WHERE d.feature = $1 AND d.window_key = $2 AND s.model_name = $3 AND ($4::int = 0 OR s.version = $4) AND ($5::text = '' OR s.arm = $5)
         AND ($6::timestamptz IS NULL OR d.window_end > $6) AND ($7::timestamptz IS NULL OR d.window_start < $7)
         AND ($8::timestamptz IS NULL OR (d.window_end, d.report_id) > ($8::timestamptz, $9::uuid))
       ORDER BY d.window_end, d.report_id LIMIT $10`,
      [scope.feature, scope.windowKey, scope.modelName, scope.version, scope.arm, scope.from ?? null, scope.to ?? null, after?.windowEnd ?? null, after?.reportId ?? null, limit + 1],
    );
    return {
      points: rows.slice(0, limit).map((r) => ({ reportId: r.report_id, start: r.window_start, end: r.window_end, drift: pb.DriftResult.fromJSON(r.result) })),
      more: rows.length > limit,
    };
  }

  /** The features (and `__prediction__`) of the model that have any drift history, for telling a misspelt feature from a quiet one. */
  async features(modelName: string): Promise<string[]> {
    const rows = await this.db.query<{ feature: string }[]>(
      'SELECT DISTINCT d.feature FROM feature_drift d JOIN prediction_series s USING (series_id) WHERE s.model_name = $1 ORDER BY d.feature',
      [modelName],
    );
    return rows.map((r) => r.feature);
  }
}
