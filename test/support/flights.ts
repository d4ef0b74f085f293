import { readFileSync } from 'node:fs';
import { AIRPORTS_CSV } from '../../apps/cli/src/quickstart/daylight';
import { flightRows } from '../../apps/cli/src/quickstart/flights';

// The real dataset of PRODUCT.md: three million US flights, January–June 2001 (vega-datasets).
export { FLIGHTS_PARQUET } from '../../apps/cli/src/quickstart/flights';

export interface Flight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}

/** The first `count` flights of the file, as an upstream producer would send them (JSON-ready). */
export async function readFlights(count: number): Promise<Flight[]> {
  const rows = await flightRows(count);
  return rows.map((r) => ({ date: r.date.toISOString(), delay: Number(r.delay), distance: Number(r.distance), origin: r.origin, destination: r.destination }));
}

/** IATA codes of every airport in vega-datasets' airports.csv: the allowed categories of `origin`. */
export function airportCodes(): string[] {
  const [, ...lines] = readFileSync(AIRPORTS_CSV, 'utf8').trim().split('\n');
  return lines.map((line) => line.split(',')[0].replace(/"/g, '')).filter((code) => /^[A-Z0-9]{3}$/.test(code));
}

export interface ContractOptions {
  version?: string;
  topic?: string;
  /** The source topic carries protobuf messages of this schema instead of JSON. */
  protobuf?: { message: string; schema: string };
  withoutDistance?: boolean;
  snapshots?: { every_rows?: number; every_seconds?: number };
}

/** A contract for the flights data; nothing in the platform knows these fields. */
export function flightsContract(dataset: string, options: ContractOptions = {}): string {
  const fields = [
    '  - { name: date, type: timestamp, required: true, nullable: false }',
    '  - { name: delay, type: int, required: true, nullable: false, range: { min: -1440, max: 2880 } }',
    options.withoutDistance ? undefined : '  - { name: distance, type: int, required: true, nullable: false, range: { min: 1, max: 6000 } }',
    `  - name: origin\n    type: categorical\n    required: true\n    nullable: false\n    categories: [${airportCodes().map((code) => `"${code}"`).join(', ')}]`,
    '  - { name: destination, type: string, required: true, nullable: false, pattern: "[A-Z0-9]{3}" }',
  ].filter(Boolean);
  return [
    `dataset: ${dataset}`,
    `version: ${options.version ?? '1.0.0'}`,
    'description: US domestic flights, January-June 2001',
    'entity_keys: [origin]',
    'event_time_field: date',
    'fields:',
    ...fields,
    'expectations:',
    '  - { name: delay_present, null_rate: { field: delay, max_rate: 0.01 } }',
    '  - { name: distance_in_range, out_of_range: { field: delay, max_rate: 0.05 } }',
    ...(options.topic ? ['source:', `  topic: ${options.topic}`, '  partition_concurrency: 3'] : []),
    ...(options.protobuf ? ['  encoding: protobuf', '  protobuf:', `    message: ${options.protobuf.message}`, '    schema: |', ...options.protobuf.schema.split('\n').map((line) => `      ${line}`)] : []),
    ...(options.snapshots ? [`snapshots: ${JSON.stringify(options.snapshots)}`] : []),
  ].join('\n');
}
