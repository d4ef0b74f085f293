import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** vega-datasets' airports: IATA code, name, city, state, country, latitude, longitude. */
export const AIRPORTS_CSV = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'airports.csv');

interface Place {
  latitude: number;
  longitude: number;
}

/** Airport coordinates from vega-datasets' airports.csv, by IATA code. */
export function airportPlaces(): Map<string, Place> {
  const [, ...lines] = readFileSync(AIRPORTS_CSV, 'utf8').trim().split('\n');
  const places = new Map<string, Place>();
  for (const line of lines) {
    const cells = line.split(',');
    const [latitude, longitude] = [Number(cells.at(-2)), Number(cells.at(-1))];
    if (Number.isFinite(latitude) && Number.isFinite(longitude)) places.set(cells[0].replace(/"/g, ''), { latitude, longitude });
  }
  return places;
}

const RAD = Math.PI / 180;
/** US daylight saving time in 2001: from 1 April to 28 October. */
const DST_2001 = [Date.UTC(2001, 3, 1), Date.UTC(2001, 9, 28)];

/**
 * Whether a flight leaves in darkness: its local clock time (the data's times are local) outside
 * sunrise..sunset at the origin, from the textbook approximations of solar declination and the
 * sunset hour angle, with the time zone taken as the origin's nearest 15° meridian. Good to a few
 * minutes, which is all a feature that changes with the seasons needs.
 */
export function departsInDarkness(localTime: Date, place: Place): boolean {
  const dayOfYear = Math.floor((localTime.getTime() - Date.UTC(localTime.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const declination = -23.44 * RAD * Math.cos(((2 * Math.PI) / 365) * (dayOfYear + 10));
  const cosHourAngle = -Math.tan(place.latitude * RAD) * Math.tan(declination);
  const halfDayHours = Math.acos(Math.max(-1, Math.min(1, cosHourAngle))) / RAD / 15;
  const meridian = Math.round(place.longitude / 15) * 15;
  const dst = localTime.getTime() >= DST_2001[0] && localTime.getTime() < DST_2001[1] ? 1 : 0;
  const solarNoon = 12 + (meridian - place.longitude) / 15 + dst;
  const hour = localTime.getUTCHours() + localTime.getUTCMinutes() / 60;
  return hour < solarNoon - halfDayHours || hour > solarNoon + halfDayHours;
}
