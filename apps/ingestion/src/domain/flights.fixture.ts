import { type DataContract, type FieldSpec } from './contract';

/** Test fixture: a field with the contract defaults, overridden where a test says so. */
export function field(name: string, type: FieldSpec['type'], extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, type, required: false, nullable: true, categories: [], description: '', ...extra };
}

/** Test fixture: the fields of the flights data (vega-datasets), with a few airports as categories. */
export const FLIGHT_FIELDS: readonly FieldSpec[] = [
  field('date', 'timestamp', { required: true, nullable: false }),
  field('delay', 'int', { required: true, min: -120, max: 2000 }),
  field('distance', 'int', { min: 1, max: 6000 }),
  field('origin', 'categorical', { required: true, nullable: false, categories: ['ABQ', 'ATL', 'BOS', 'LAX', 'SFO'] }),
  field('destination', 'string', { pattern: '[A-Z]{3}' }),
];

/** Test fixture: a flights contract keyed by origin with `date` as event time; any part overridable. */
export function flightsContract(overrides: Partial<DataContract> = {}): DataContract {
  return { dataset: 'flights', version: '1.0.0', description: '', fields: [...FLIGHT_FIELDS], entityKeys: ['origin'], eventTimeField: 'date', expectations: [], ...overrides };
}
