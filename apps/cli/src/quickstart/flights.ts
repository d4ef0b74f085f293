import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { airportPlaces, departsInDarkness } from './daylight';

/** Three million US flights, January–June 2001 (vega-datasets), in time order. */
export const FLIGHTS_PARQUET = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');

/** One row of the file as hyparquet reads it. */
export interface FlightRow {
  date: Date;
  delay: bigint;
  distance: bigint;
  origin: string;
  destination: string;
}

/** The file's rows (the first `rowEnd` when given). */
export async function flightRows(rowEnd?: number): Promise<FlightRow[]> {
  const bytes = readFileSync(FLIGHTS_PARQUET);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return (await parquetReadObjects({ file, rowStart: 0, rowEnd, compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) } })) as FlightRow[];
}

/** One flight as the upstream producer sends it (JSON). `dark`: it leaves in darkness at its origin. */
export interface FlightRecord {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
  dark: boolean;
}

/**
 * Every `every`-th flight of the given months (0 = January) of 2001, in time order (the file is),
 * with whether it leaves in darkness: the upstream system's view of a flight, seasons included.
 */
export async function readFlightMonths(months: ReadonlySet<number>, every: number): Promise<FlightRecord[]> {
  const rows = await flightRows();
  const places = airportPlaces();
  const flights: FlightRecord[] = [];
  rows.forEach((row, index) => {
    const place = places.get(row.origin);
    if (index % every !== 0 || !place || !months.has(row.date.getUTCMonth())) return;
    flights.push({ date: row.date.toISOString(), delay: Number(row.delay), distance: Number(row.distance), origin: row.origin, destination: row.destination, dark: departsInDarkness(row.date, place) });
  });
  return flights;
}
