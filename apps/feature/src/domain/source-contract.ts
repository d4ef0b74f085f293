import { type ValueType } from './definitions';

/** What the feature service knows of an ingestion dataset: its latest contract, from ingestion's events. */
export interface SourceContract {
  dataset: string;
  version: string;
  fields: ReadonlyMap<string, ValueType>;
  eventTimeField: string;
}
