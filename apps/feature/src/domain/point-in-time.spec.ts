import { parseDefinitions } from './definitions-document';
import { FLIGHTS_CONTRACT, FLIGHTS_DEFINITIONS } from './flights.fixture';
import { type AsOfRow, compileView, type FeatureValue, pointInTime, type SourceEvent } from './point-in-time';

const [ORIGIN, ROUTE] = parseDefinitions(FLIGHTS_DEFINITIONS, new Map([['flights', FLIGHTS_CONTRACT]])).featureViews.map(compileView);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2001-01-10T00:00:00Z');

const event = (timeMs: number, delay: number | null, seq: number, distance = 500): SourceEvent => ({ timeMs, seq, values: { delay, distance, origin: 'ATL', destination: 'SFO' } });
const valuesAt = (events: SourceEvent[], rows: AsOfRow[], view = ORIGIN) => [...pointInTime(view, events, rows)];
const named = (view: typeof ORIGIN, values: FeatureValue[]) => Object.fromEntries(view.features.map((f, i) => [f.name, values[i]]));

/** The definitions computed the obvious way, row by row: the reference the sweep must equal. */
function bruteForce(view: typeof ORIGIN, events: SourceEvent[], row: AsOfRow): FeatureValue[] {
  const ordered = [...events].sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
  const known = ordered.filter((e) => e.timeMs <= row.timeMs).at(-1);
  const current = known && (view.ttlMs === 0 || row.timeMs - known.timeMs <= view.ttlMs) ? known : undefined;
  return view.features.map((f) => {
    if (f.kind === 'row') return current ? f.value(current.values) : null;
    const inWindow = ordered.filter((e) => e.timeMs >= row.timeMs - f.windowMs && e.timeMs < row.timeMs);
    const numbers = inWindow.map((e) => e.values[f.field ?? '']).filter((v): v is number => typeof v === 'number');
    switch (f.fn) {
      case 'count':
        return inWindow.length;
      case 'sum':
        return numbers.length ? numbers.reduce((a, b) => a + b, 0) : null;
      case 'mean':
        return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : null;
      case 'min':
        return numbers.length ? Math.min(...numbers) : null;
      case 'max':
        return numbers.length ? Math.max(...numbers) : null;
      case 'last':
        return inWindow.length ? ((inWindow.at(-1)!.values[f.field!] ?? null) as FeatureValue) : null;
    }
  });
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

describe('pointInTime', () => {
  it('takes an event exactly at the row time as the latest value, but leaves it out of every window', () => {
    const events = [event(T0 - HOUR, 10, 1), event(T0, 40, 2)];
    const [{ values }] = valuesAt(events, [{ index: 0, timeMs: T0 }]);
    expect(named(ORIGIN, values)).toEqual({ mean_delay_7d: 10, flights_1d: 1, last_delay: 40, late: true });
  });

  it('treats a value just outside the TTL as missing, one exactly at it as present', () => {
    const events = [event(T0, 25, 1)];
    const [atTtl, pastTtl] = valuesAt(events, [{ index: 0, timeMs: T0 + DAY }, { index: 1, timeMs: T0 + DAY + 1 }]);
    expect(named(ORIGIN, atTtl.values)).toMatchObject({ last_delay: 25, late: true });
    expect(named(ORIGIN, pastTtl.values)).toMatchObject({ last_delay: null, late: null, mean_delay_7d: 25, flights_1d: 0 });
  });

  it('gives an entity with no history nulls and a zero count', () => {
    const [{ values }] = valuesAt([], [{ index: 7, timeMs: T0 }]);
    expect(named(ORIGIN, values)).toEqual({ mean_delay_7d: null, flights_1d: 0, last_delay: null, late: null });
  });

  it('never reads an event from after the row time', () => {
    const events = [event(T0 + 1, 999, 1)];
    expect(valuesAt(events, [{ index: 0, timeMs: T0 }])[0].values).toEqual(bruteForce(ORIGIN, [], { index: 0, timeMs: T0 }));
  });

  it('refuses rows out of time order', () => {
    expect(() => valuesAt([], [{ index: 0, timeMs: T0 }, { index: 1, timeMs: T0 - 1 }])).toThrow('entity rows must be in ascending time order (row 1)');
  });

  it.each([1, 2, 3, 4, 5])('equals the brute-force computation on random histories (seed %i)', (seed) => {
    const next = random(seed);
    const events: SourceEvent[] = [];
    let time = T0;
    for (let seq = 0; seq < 400; seq++) {
      time += Math.floor(next() * 6 * HOUR) * (next() < 0.1 ? 0 : 1); // some events share a timestamp
      events.push(event(time, next() < 0.05 ? null : Math.floor(next() * 200) - 30, seq, Math.floor(next() * 3000)));
    }
    const rows: AsOfRow[] = [];
    let rowTime = T0 - DAY;
    for (let index = 0; index < 300; index++) {
      rowTime += next() < 0.2 ? 0 : Math.floor(next() * 8 * HOUR);
      rows.push({ index, timeMs: next() < 0.15 ? events[Math.floor(next() * events.length)].timeMs : rowTime });
    }
    rows.sort((a, b) => a.timeMs - b.timeMs);
    for (const view of [ORIGIN, ROUTE]) {
      for (const { index, values } of valuesAt(events, rows, view)) {
        const expected = bruteForce(view, events, rows.find((r) => r.index === index)!);
        expected.forEach((value, i) => (typeof value === 'number' ? expect(values[i]).toBeCloseTo(value, 6) : expect(values[i]).toBe(value)));
      }
    }
  });
});
