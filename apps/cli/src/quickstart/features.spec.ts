import { expectedOnlineFeatures, flightFeatureDefinitions } from './features';
import { type FlightRecord } from './flights';

const flight = (date: string, origin: string, delay: number): FlightRecord => ({ date, origin, delay, destination: 'JFK', distance: 100, dark: false });

describe('expectedOnlineFeatures', () => {
  it('takes each origin as of 1 ms after its latest flight: that flight counts, a week back for the mean, a day back for the count', () => {
    const flights = [
      flight('2001-01-01T10:00:00.000Z', 'SFO', 100), // eight days before SFO's latest: in neither window
      flight('2001-01-03T10:00:00.000Z', 'SFO', 30), // in the week, not the day
      flight('2001-01-08T09:00:00.000Z', 'ORD', -5),
      flight('2001-01-09T08:00:00.000Z', 'SFO', 10),
      flight('2001-01-09T10:00:00.000Z', 'SFO', 20),
    ];
    expect(expectedOnlineFeatures(flights)).toEqual([
      { origin: 'SFO', meanDelay7d: 20, flights1d: 2 },
      { origin: 'ORD', meanDelay7d: -5, flights1d: 1 },
    ]);
  });
});

describe('flightFeatureDefinitions', () => {
  it('names the dataset as the source and suffixes every object with the run', () => {
    const document = flightFeatureDefinitions('flights_ab12', 'ab12');
    expect(document).toContain('source: flights_ab12');
    expect(document.match(/name: \w+_ab12/g)).toEqual(['name: airport_ab12', 'name: origin_delays_ab12', 'name: flight_delays_ab12']);
  });
});
