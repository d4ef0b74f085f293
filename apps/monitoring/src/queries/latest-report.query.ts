import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { monitoringV1 as pb } from '@mlops/proto';

const STABLE_ARM = 'stable';

/** The newest stored report of a model version, as GetLatestReport answers it. */
@Injectable()
export class LatestReportQuery {
  constructor(private readonly db: DataSource) {}

  /** The newest window of one arm, or with `arm` '' of the stable arm when it has one, else of any arm. */
  async newest(modelName: string, version: number, arm: string, windowKey: string): Promise<pb.Report | undefined> {
    const [row] = await this.db.query<{ body: unknown }[]>(
      `SELECT r.body FROM reports r JOIN prediction_series s USING (series_id)
       WHERE s.model_name = $1 AND s.version = $2 AND ($3::text = '' OR s.arm = $3) AND r.window_key = $4
       ORDER BY s.arm = $5 DESC, r.window_end DESC, r.end_seq DESC NULLS LAST LIMIT 1`,
      [modelName, version, arm, windowKey, STABLE_ARM],
    );
    return row && pb.Report.fromJSON(row.body);
  }

  /** The highest version of the model with a report over `windowKey`. */
  async newestReportedVersion(modelName: string, windowKey: string): Promise<number | undefined> {
    const [row] = await this.db.query<{ version: number }[]>(
      `SELECT s.version FROM prediction_series s
       WHERE s.model_name = $1 AND EXISTS (SELECT 1 FROM reports r WHERE r.series_id = s.series_id AND r.window_key = $2)
       ORDER BY s.version DESC LIMIT 1`,
      [modelName, windowKey],
    );
    return row?.version;
  }
}
