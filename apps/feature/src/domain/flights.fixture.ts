import { type SourceContract } from './source-contract';

/** Test fixture: the flights dataset as ingestion announces its contract. */
export const FLIGHTS_CONTRACT: SourceContract = {
  dataset: 'flights',
  version: '1.0.0',
  eventTimeField: 'date',
  fields: new Map([
    ['date', 'timestamp'],
    ['delay', 'int'],
    ['distance', 'int'],
    ['origin', 'string'],
    ['destination', 'string'],
  ] as const),
};

/** Test fixture: features of the flights data by origin airport and by route. */
export const FLIGHTS_DEFINITIONS = `
entities:
  - name: airport
    join_keys: [origin]
  - name: route
    join_keys: [origin, destination]
feature_views:
  - name: origin_delays
    entities: [airport]
    source: flights
    ttl: 1d
    features:
      - name: mean_delay_7d
        aggregation: { function: mean, field: delay, window: 7d }
      - name: flights_1d
        aggregation: { function: count, window: 1d }
      - name: last_delay
        field: delay
      - name: late
        expression: delay > 15
        type: bool
  - name: route_stats
    entities: [route]
    source: flights
    features:
      - name: flights_1d
        aggregation: { function: count, window: 1d }
      - name: max_delay_1d
        aggregation: { function: max, field: delay, window: 1d }
      - name: distance_km
        expression: distance * 1.609
        type: float
feature_services:
  - name: delay_model
    features:
      - origin_delays
      - route_stats: [flights_1d]
`;
