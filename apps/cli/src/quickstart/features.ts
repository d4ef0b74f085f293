import { type FlightRecord } from './flights';

const DAY_MS = 86_400_000;

/** Names of the quickstart's feature definitions, suffixed by the run so a second quickstart starts clean. */
export function featureNames(run: string) {
  return { entity: `airport_${run}`, view: `origin_delays_${run}`, service: `flight_delays_${run}` };
}

/**
 * The feature definitions: per origin airport, its mean delay over the past week and its flights in
 * the past day. Window features never see the row's own flight, so neither gives the label away.
 */
export function flightFeatureDefinitions(dataset: string, run: string): string {
  const names = featureNames(run);
  return `entities:
  - name: ${names.entity}
    join_keys: [origin]
    description: an airport flights leave from
feature_views:
  - name: ${names.view}
    entities: [${names.entity}]
    source: ${dataset}
    features:
      - name: mean_delay_7d
        aggregation: { function: mean, field: delay, window: 7d }
      - name: flights_1d
        aggregation: { function: count, window: 1d }
feature_services:
  - name: ${names.service}
    features: [${names.view}]
`;
}

export interface OriginFeatures {
  origin: string;
  meanDelay7d: number;
  flights1d: number;
}

/**
 * What the online store must hold per origin, computed straight from the flights replayed: the
 * values as of 1 ms after the origin's latest flight (so that flight counts), windows [t − w, t).
 */
export function expectedOnlineFeatures(flights: readonly FlightRecord[]): OriginFeatures[] {
  const byOrigin = new Map<string, { time: number; delay: number }[]>();
  for (const flight of flights) {
    const list = byOrigin.get(flight.origin) ?? [];
    list.push({ time: Date.parse(flight.date), delay: flight.delay });
    byOrigin.set(flight.origin, list);
  }
  return [...byOrigin].map(([origin, list]) => {
    const asOf = list.reduce((latest, f) => Math.max(latest, f.time), -Infinity) + 1;
    const week = list.filter((f) => f.time >= asOf - 7 * DAY_MS);
    return { origin, meanDelay7d: week.reduce((sum, f) => sum + f.delay, 0) / week.length, flights1d: list.filter((f) => f.time >= asOf - DAY_MS).length };
  });
}
