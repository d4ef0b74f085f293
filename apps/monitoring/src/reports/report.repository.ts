import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { monitoringV1 as pb } from '@mlops/proto';
import { type LoggedValue } from '../domain/quality/data-quality';
import { type WindowInstance, type WindowRequest } from '../domain/report/window-report';

export interface Series {
  seriesId: number;
  modelName: string;
  version: number;
  arm: string;
  /** Instances stored so far (sequence numbers 1..count). */
  count: number;
  firstPredictedAt: Date;
  newestPredictedAt: Date;
  /** The model's newest prediction time over all its series: windows close as the model's traffic moves on. */
  modelNewestAt: Date;
}

export interface LastWindow {
  endMs: number;
  endSeq: number;
}

/** Where a window's rows are: a time range, or a range of sequence numbers (start exclusive, end inclusive). */
export type WindowRows = { by: 'time'; start: Date; end: Date } | { by: 'count'; startSeq: number; endSeq: number };

export interface StoredReport {
  reportId: string;
  seriesId: number;
  windowKey: string;
  start: Date;
  end: Date;
  endSeq: number | undefined;
  body: pb.Report;
  values: Record<string, number>;
}

export interface StaleReport {
  reportId: string;
  seriesId: number;
  modelName: string;
  version: number;
  rows: WindowRows;
  values: Record<string, number>;
}

@Injectable()
export class ReportRepository {
  constructor(private readonly db: DataSource) {}

  async series(): Promise<Series[]> {
    const rows = await this.db.query<{ series_id: number; model_name: string; version: number; arm: string; next_seq: string; first_predicted_at: Date; newest_predicted_at: Date; model_newest_at: Date }[]>(
      `SELECT s.series_id, s.model_name, s.version, s.arm, s.next_seq, s.first_predicted_at, s.newest_predicted_at,
              max(s.newest_predicted_at) OVER (PARTITION BY s.model_name) AS model_newest_at
       FROM prediction_series s ORDER BY s.series_id`,
    );
    return rows.map((r) => ({
      seriesId: r.series_id, modelName: r.model_name, version: r.version, arm: r.arm, count: Number(r.next_seq) - 1,
      firstPredictedAt: r.first_predicted_at, newestPredictedAt: r.newest_predicted_at, modelNewestAt: r.model_newest_at,
    }));
  }

  /** Takes the series for this transaction, or says another replica has it. */
  async lockSeries(tx: SqlExecutor, seriesId: number): Promise<boolean> {
    const [{ locked }] = (await tx.query("SELECT pg_try_advisory_xact_lock(hashtext('monitoring.series'), $1) AS locked", [seriesId])) as { locked: boolean }[];
    return locked;
  }

  async hasReports(tx: SqlExecutor, seriesId: number): Promise<boolean> {
    const rows = (await tx.query('SELECT 1 FROM reports WHERE series_id = $1 LIMIT 1', [seriesId])) as unknown[];
    return rows.length > 0;
  }

  async lastWindow(tx: SqlExecutor, seriesId: number, windowKey: string): Promise<LastWindow | undefined> {
    const [row] = (await tx.query(
      // Count windows by sequence: their end times need not grow with it (replicas' clocks differ).
      'SELECT window_end, end_seq FROM reports WHERE series_id = $1 AND window_key = $2 ORDER BY end_seq DESC NULLS LAST, window_end DESC LIMIT 1',
      [seriesId, windowKey],
    )) as { window_end: Date; end_seq: string | null }[];
    return row && { endMs: row.window_end.getTime(), endSeq: Number(row.end_seq ?? 0) };
  }

  /**
   * The window's instances, with the primary output read from `outputName`. Past `maxRows` a
   * systematic sample (every k-th by sequence) is read instead, so one huge window cannot exhaust memory.
   */
  async instances(tx: SqlExecutor, seriesId: number, rows: WindowRows, outputName: string | undefined, maxRows: number): Promise<{ instances: WindowInstance[]; span: { first: Date; last: Date } | undefined; total: number }> {
    const [where, params] = rows.by === 'time' ? ['predicted_at >= $2 AND predicted_at < $3', [rows.start, rows.end]] : ['seq > $2 AND seq <= $3', [rows.startSeq, rows.endSeq]];
    const [{ total, first, last }] = (await tx.query(
      `SELECT count(*) AS total, min(predicted_at) AS first, max(predicted_at) AS last FROM predictions WHERE series_id = $1 AND ${where}`,
      [seriesId, ...params],
    )) as { total: string; first: Date | null; last: Date | null }[];
    const every = Math.max(1, Math.ceil(Number(total) / maxRows));
    const found = (await tx.query(
      `SELECT inputs, outputs -> $4::text AS prediction, label FROM predictions WHERE series_id = $1 AND ${where} AND seq % $5 = 0`,
      [seriesId, ...params, outputName ?? '', every],
    )) as { inputs: Record<string, LoggedValue>; prediction: unknown; label: number | null }[];
    return {
      instances: found.map((r) => ({ inputs: r.inputs, prediction: typeof r.prediction === 'number' ? r.prediction : null, label: r.label })),
      span: first && last ? { first, last } : undefined,
      total: Number(total),
    };
  }

  async requests(tx: SqlExecutor, seriesId: number, start: Date, end: Date, endInclusive: boolean): Promise<WindowRequest[]> {
    const rows = (await tx.query(
      `SELECT latency_ms, status_code FROM served_requests WHERE series_id = $1 AND predicted_at >= $2 AND predicted_at ${endInclusive ? '<=' : '<'} $3`,
      [seriesId, start, end],
    )) as { latency_ms: number; status_code: number }[];
    return rows.map((r) => ({ latencyMs: r.latency_ms, statusCode: r.status_code }));
  }

  async save(tx: SqlExecutor, report: StoredReport): Promise<void> {
    await tx.query(
      `INSERT INTO reports (report_id, series_id, window_key, window_start, window_end, end_seq, prediction_count, body, series_values)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [report.reportId, report.seriesId, report.windowKey, report.start, report.end, report.endSeq ?? null, report.body.predictionCount, pb.Report.toJSON(report.body), JSON.stringify(report.values)],
    );
    const drifts = [...report.body.featureDrift, ...(report.body.predictionDrift ? [report.body.predictionDrift] : [])];
    await tx.query(
      `INSERT INTO feature_drift (report_id, series_id, window_key, feature, window_start, window_end, result)
       SELECT $1, $2, $3, t.feature, $4, $5, t.result FROM unnest($6::text[], $7::jsonb[]) AS t(feature, result)`,
      [report.reportId, report.seriesId, report.windowKey, report.start, report.end, drifts.map((d) => d.feature), drifts.map((d) => JSON.stringify(pb.DriftResult.toJSON(d)))],
    );
  }

  /** Reports whose predictions received labels after their performance was computed. */
  async stale(tx: SqlExecutor, limit: number): Promise<StaleReport[]> {
    const rows = (await tx.query(
      `SELECT r.report_id, r.series_id, s.model_name, s.version, r.window_start, r.window_end, r.end_seq, r.prediction_count, r.series_values
       FROM reports r JOIN prediction_series s USING (series_id) WHERE r.performance_stale ORDER BY r.window_end LIMIT $1 FOR UPDATE OF r SKIP LOCKED`,
      [limit],
    )) as { report_id: string; series_id: number; model_name: string; version: number; window_start: Date; window_end: Date; end_seq: string | null; prediction_count: string; series_values: Record<string, number> }[];
    return rows.map((r) => {
      const endSeq = r.end_seq === null ? undefined : Number(r.end_seq);
      return {
        reportId: r.report_id, seriesId: r.series_id, modelName: r.model_name, version: r.version, values: r.series_values,
        rows: endSeq === undefined ? { by: 'time', start: r.window_start, end: r.window_end } : { by: 'count', startSeq: endSeq - Number(r.prediction_count), endSeq },
      };
    });
  }

  async clearStale(tx: SqlExecutor, reportId: string): Promise<void> {
    await tx.query('UPDATE reports SET performance_stale = false WHERE report_id = $1', [reportId]);
  }

  async revisePerformance(tx: SqlExecutor, reportId: string, performance: pb.PerformanceResult, values: Record<string, number>): Promise<void> {
    await tx.query(
      `UPDATE reports SET body = jsonb_set(body, '{performance}', $2::jsonb), series_values = $3, performance_stale = false WHERE report_id = $1`,
      [reportId, JSON.stringify(pb.PerformanceResult.toJSON(performance)), JSON.stringify(values)],
    );
  }

  /** The newest window both series reported over, with each one's series values. */
  async newestSharedWindow(tx: SqlExecutor, seriesIds: [number, number], windowKey: string): Promise<{ start: Date; end: Date; values: [Record<string, number>, Record<string, number>] } | undefined> {
    const [row] = (await tx.query(
      `SELECT a.window_start, a.window_end, a.series_values AS a, b.series_values AS b FROM reports a JOIN reports b ON b.window_end = a.window_end AND b.window_key = a.window_key
       WHERE a.series_id = $1 AND b.series_id = $2 AND a.window_key = $3 ORDER BY a.window_end DESC LIMIT 1`,
      [seriesIds[0], seriesIds[1], windowKey],
    )) as { window_start: Date; window_end: Date; a: Record<string, number>; b: Record<string, number> }[];
    return row && { start: row.window_start, end: row.window_end, values: [row.a, row.b] };
  }

  async seriesId(tx: SqlExecutor, modelName: string, version: number, arm: string): Promise<number | undefined> {
    const [row] = (await tx.query('SELECT series_id FROM prediction_series WHERE model_name = $1 AND version = $2 AND arm = $3', [modelName, version, arm])) as { series_id: number }[];
    return row?.series_id;
  }
}
