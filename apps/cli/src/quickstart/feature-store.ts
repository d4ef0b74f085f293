import { enumName, featureV1 } from '@mlops/proto';
import { type Platform } from '../core/platform';
import { expectedOnlineFeatures, featureNames, flightFeatureDefinitions } from './features';
import { type FlightRecord } from './flights';
import { numberOf } from './traffic';
import { until } from './until';

/** Online lookups per call, under the feature service's ONLINE_MAX_ENTITIES default. */
const LOOKUP_CHUNK = 500;

/**
 * Applies the feature definitions, then checks every origin's online values against the ones
 * computed from the flights sent: the store is complete before a model is trained from it or
 * served with it.
 */
export async function defineAndMaterialize(platform: Platform, step: (text: string) => void, dataset: string, run: string, stored: readonly FlightRecord[]): Promise<void> {
  const names = featureNames(run);
  const { plan } = await platform.rpc('feature', 'applyDefinitions', featureV1.ApplyDefinitionsRequest.fromPartial({ document: flightFeatureDefinitions(dataset, run) }), { auth: true });
  step(`feature definitions applied: ${plan.map((p) => `${enumName(featureV1.PlanAction, p.action, 'PLAN_ACTION_').toLowerCase()} ${p.name}`).join(', ')}`);

  // Applying a new view materializes it from the offline store in a batch job, and continuous
  // materialization follows ingestion's events from then on: wait until the online store has them all.
  const expected = expectedOnlineFeatures(stored);
  const busiest = [...expected].sort((a, b) => b.flights1d - a.flights1d)[0];
  await until(async () => {
    for (let i = 0; i < expected.length; i += LOOKUP_CHUNK) {
      const chunk = expected.slice(i, i + LOOKUP_CHUNK);
      const answer = await platform.rpc('feature', 'getOnlineFeatures', featureV1.GetOnlineFeaturesRequest.fromPartial({
        features: { selection: { $case: 'featureService', value: { name: names.service, version: 0 } } },
        entities: chunk.map((e) => ({ joinKeys: { origin: { kind: { $case: 'stringValue', value: e.origin } } } })),
      }), { auth: true });
      const mean = answer.featureNames.indexOf('mean_delay_7d');
      const count = answer.featureNames.indexOf('flights_1d');
      const behind = chunk.some((e, j) => {
        const values = answer.results[j]?.values ?? [];
        // Written so a missing value (NaN) counts as behind.
        return !(Math.abs((numberOf(values[mean]?.value) ?? Number.NaN) - e.meanDelay7d) <= 1e-9) || numberOf(values[count]?.value) !== e.flights1d;
      });
      if (behind) return false;
    }
    return true;
  }, 'the online store to hold every airport\'s latest values');
  step(`materialized: the online store holds every airport's features as of its latest flight, checked against the flights sent: all ${expected.length} airports match (${busiest.origin}: ${busiest.flights1d} flights in its last day, ${busiest.meanDelay7d.toFixed(1)} min mean delay over its last week)`);
}
