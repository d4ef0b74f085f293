export * from './generated/mlops/events/v1/ingestion_events';
export * from './generated/mlops/events/v1/feature_events';
export * from './generated/mlops/events/v1/training_events';
export * from './generated/mlops/events/v1/registry_events';
export * from './generated/mlops/events/v1/serving_events';
export * from './generated/mlops/events/v1/monitoring_events';
