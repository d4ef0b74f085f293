import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { airportPlaces, departsInDarkness } from './daylight';

const FLIGHTS_PARQUET = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet');

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
  const bytes = readFileSync(FLIGHTS_PARQUET);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const rows = (await parquetReadObjects({ file, compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) } })) as {
    date: Date; delay: bigint; distance: bigint; origin: string; destination: string;
  }[];
  const places = airportPlaces();
  const flights: FlightRecord[] = [];
  rows.forEach((row, index) => {
    const place = places.get(row.origin);
    if (index % every !== 0 || !place || !months.has(row.date.getUTCMonth())) return;
    flights.push({ date: row.date.toISOString(), delay: Number(row.delay), distance: Number(row.distance), origin: row.origin, destination: row.destination, dark: departsInDarkness(row.date, place) });
  });
  return flights;
}
