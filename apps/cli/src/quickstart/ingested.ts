import { ingestionV1 } from '@mlops/proto';
import { type Platform } from '../core/platform';
import { until } from './until';

/** The dataset's counts in ingestion: received = stored + quarantined. */
export const datasetStats = (platform: Platform, dataset: string) => platform.rpc('ingestion', 'getDatasetStats', ingestionV1.GetDatasetStatsRequest.fromPartial({ dataset }));

/** Waits until ingestion has received at least `received` records of the dataset; its counts then. */
export function ingested(platform: Platform, dataset: string, received: number, what: string): Promise<ingestionV1.GetDatasetStatsResponse> {
  return until(async () => {
    const stats = await datasetStats(platform, dataset);
    return stats.received >= received && stats;
  }, `ingestion to take ${what}`);
}
