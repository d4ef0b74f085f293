import { parseDefinitions } from './definitions-document';
import { FLIGHTS_CONTRACT, FLIGHTS_DEFINITIONS } from './flights.fixture';
import { compileView, EntityRowOrderError, type FeatureValue, joinInTimeOrder, PointInTimeJoin, type SourceEvent } from './point-in-time';

const [ORIGIN, ROUTE] = parseDefinitions(FLIGHTS_DEFINITIONS, new Map([['flights', FLIGHTS_CONTRACT]])).featureViews.map(compileView);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2001-01-10T00:00:00Z');

const event = (timeMs: number, delay: number | null, seq: number, distance = 500): SourceEvent => ({ timeMs, seq, values: { delay, distance, origin: 'ATL', destination: 'SFO' } });
interface AsOfRow {
  index: number;
  timeMs: number;
}

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

/** One entity's values as of each row, through the streaming join. */
async function valuesAt(events: SourceEvent[], rows: AsOfRow[], view = ORIGIN) {
  const joined = joinInTimeOrder([new PointInTimeJoin(view)], [stream(events.map((event) => ({ entityKey: 'ATL', event })))], stream(rows.map((r) => ({ ...r, keys: ['ATL'] }))));
  const out: { index: number; values: FeatureValue[] }[] = [];
  for await (const { row, values } of joined) out.push({ index: row.index, values: values[0] });
  return out;
}
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
  it('takes an event exactly at the row time as the latest value, but leaves it out of every window', async () => {
    const events = [event(T0 - HOUR, 10, 1), event(T0, 40, 2)];
    const [{ values }] = await valuesAt(events, [{ index: 0, timeMs: T0 }]);
    expect(named(ORIGIN, values)).toEqual({ mean_delay_7d: 10, flights_1d: 1, last_delay: 40, late: true });
  });

  it('treats a value just outside the TTL as missing, one exactly at it as present', async () => {
    const events = [event(T0, 25, 1)];
    const [atTtl, pastTtl] = await valuesAt(events, [{ index: 0, timeMs: T0 + DAY }, { index: 1, timeMs: T0 + DAY + 1 }]);
    expect(named(ORIGIN, atTtl.values)).toMatchObject({ last_delay: 25, late: true });
    expect(named(ORIGIN, pastTtl.values)).toMatchObject({ last_delay: null, late: null, mean_delay_7d: 25, flights_1d: 0 });
  });

  it('gives an entity with no history nulls and a zero count', async () => {
    const [{ values }] = await valuesAt([], [{ index: 7, timeMs: T0 }]);
    expect(named(ORIGIN, values)).toEqual({ mean_delay_7d: null, flights_1d: 0, last_delay: null, late: null });
  });

  it('never reads an event from after the row time', async () => {
    const events = [event(T0 + 1, 999, 1)];
    expect((await valuesAt(events, [{ index: 0, timeMs: T0 }]))[0].values).toEqual(bruteForce(ORIGIN, [], { index: 0, timeMs: T0 }));
  });

  it('refuses entity rows out of time order, naming the row', async () => {
    await expect(valuesAt([], [{ index: 0, timeMs: T0 }, { index: 1, timeMs: T0 - 1 }])).rejects.toEqual(new EntityRowOrderError(1));
  });

  it('keeps entities apart', async () => {
    const join = new PointInTimeJoin(ORIGIN);
    join.addEvent('ATL', event(T0 - HOUR, 10, 1));
    join.addEvent('SFO', event(T0 - HOUR, 50, 2));
    expect(named(ORIGIN, join.valuesAt('ATL', T0))).toMatchObject({ last_delay: 10, flights_1d: 1 });
    expect(named(ORIGIN, join.valuesAt('SFO', T0))).toMatchObject({ last_delay: 50, flights_1d: 1 });
    expect(named(ORIGIN, join.valuesAt('BOS', T0))).toEqual({ mean_delay_7d: null, flights_1d: 0, last_delay: null, late: null });
  });

  it.each([1, 2, 3, 4, 5])('equals the brute-force computation on random histories (seed %i)', async (seed) => {
    const next = random(seed);
    const events: SourceEvent[] = [];
    let time = T0;
    for (let seq = 0; seq < 3000; seq++) {
      time += Math.floor(next() * 6 * HOUR) * (next() < 0.1 ? 0 : 1); // some events share a timestamp
      events.push(event(time, next() < 0.05 ? null : Math.floor(next() * 200) - 30, seq, Math.floor(next() * 3000)));
    }
    const rows: AsOfRow[] = [];
    let rowTime = T0 - DAY;
    for (let index = 0; index < 1000; index++) {
      rowTime += next() < 0.2 ? 0 : Math.floor(next() * 8 * HOUR);
      rows.push({ index, timeMs: next() < 0.15 ? events[Math.floor(next() * events.length)].timeMs : rowTime });
    }
    rows.sort((a, b) => a.timeMs - b.timeMs);
    for (const view of [ORIGIN, ROUTE]) {
      for (const { index, values } of await valuesAt(events, rows, view)) {
        const expected = bruteForce(view, events, rows.find((r) => r.index === index)!);
        expected.forEach((value, i) => (typeof value === 'number' ? expect(values[i]).toBeCloseTo(value, 6) : expect(values[i]).toBe(value)));
      }
    }
  });

  it('equals the brute-force computation for interleaved entities', async () => {
    const next = random(42);
    const keys = ['ATL', 'SFO', 'BOS'];
    const events: { entityKey: string; event: SourceEvent }[] = [];
    let time = T0;
    for (let seq = 0; seq < 3000; seq++) {
      time += Math.floor(next() * 2 * HOUR);
      events.push({ entityKey: keys[Math.floor(next() * 3)], event: event(time, Math.floor(next() * 100), seq) });
    }
    const rows = Array.from({ length: 1500 }, (_, index) => ({ index, timeMs: T0 + Math.floor(next() * (time - T0 + DAY)), key: keys[Math.floor(next() * 4) % 4] ?? 'JFK' }))
      .sort((a, b) => a.timeMs - b.timeMs)
      .map((r, index) => ({ ...r, index }));
    const joined = joinInTimeOrder([new PointInTimeJoin(ORIGIN), new PointInTimeJoin(ROUTE)], [stream(events), stream(events)], stream(rows.map((r) => ({ index: r.index, timeMs: r.timeMs, keys: [r.key, r.key] }))));
    let checked = 0;
    for await (const { row: { index }, values } of joined) {
      const row = rows[index];
      const own = events.filter((e) => e.entityKey === row.key).map((e) => e.event);
      [ORIGIN, ROUTE].forEach((view, v) =>
        bruteForce(view, own, row).forEach((value, i) => (typeof value === 'number' ? expect(values[v][i]).toBeCloseTo(value, 6) : expect(values[v][i]).toBe(value))),
      );
      checked++;
    }
    expect(checked).toBe(rows.length);
  });

  it('sums an emptied window to exactly zero, leaving no rounding residue for the next one', () => {
    const sums = compileView({
      name: 'sums', entities: ['airport'], source: 'flights', ttlSeconds: 0, online: true, description: '', tags: {},
      features: [{ name: 'sum_1h', type: 'float', description: '', transformation: { kind: 'aggregation', function: 'sum', field: 'delay', windowSeconds: 3600 } }],
    });
    const join = new PointInTimeJoin(sums);
    join.addEvent('ATL', event(T0, 0.1, 1));
    join.addEvent('ATL', event(T0 + 1, 0.2, 2));
    expect(join.valuesAt('ATL', T0 + 2)[0]).toBeCloseTo(0.3, 12);
    join.addEvent('ATL', event(T0 + 2 * HOUR, 0, 3));
    expect(join.valuesAt('ATL', T0 + 2 * HOUR + 1)).toEqual([0]);
  });
});
