import { type AggregationFunction, type FeatureView } from './definitions';
import { compileFeatureExpression, type SourceValues } from './expression';

export type FeatureValue = number | string | boolean | null;

/** One source event of one entity. Events are ordered by time, then by `seq` (arrival), both paths alike. */
export interface SourceEvent {
  timeMs: number;
  seq: number;
  values: SourceValues;
}

/** A source event of the entity with this key (the view's join key values, see entityKeyOf). */
export interface KeyedEvent {
  entityKey: string;
  event: SourceEvent;
}

/** An entity row: its position in the request, its time, and its entity key in each view joined. */
export interface EntityRow {
  index: number;
  timeMs: number;
  keys: readonly string[];
}

type RowFeature = { kind: 'row'; name: string; value: (values: SourceValues) => FeatureValue };
type WindowFeature = { kind: 'window'; name: string; fn: AggregationFunction; field?: string; windowMs: number };
export interface CompiledView {
  name: string;
  ttlMs: number;
  features: (RowFeature | WindowFeature)[];
}

/** Builds what retrieval needs of a view once: expressions compiled, windows in milliseconds. */
export function compileView(view: FeatureView): CompiledView {
  return {
    name: view.name,
    ttlMs: view.ttlSeconds * 1000,
    features: view.features.map((f) => {
      const t = f.transformation;
      if (t.kind === 'aggregation') return { kind: 'window', name: f.name, fn: t.function, field: t.field, windowMs: t.windowSeconds * 1000 };
      if (t.kind === 'field') return { kind: 'row', name: f.name, value: (values) => (values[t.field] ?? null) as FeatureValue };
      return { kind: 'row', name: f.name, value: compileFeatureExpression(t.expression, f.type) };
    }),
  };
}

const numeric = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A double-ended queue of absolute event positions; Array#shift would make a long window quadratic. */
class PositionDeque {
  private items: number[] = [];
  private head = 0;

  get empty(): boolean {
    return this.head === this.items.length;
  }
  get first(): number {
    return this.items[this.head];
  }
  get last(): number {
    return this.items[this.items.length - 1];
  }
  push(position: number): void {
    this.items.push(position);
  }
  popLast(): void {
    this.items.pop();
  }
  popFirst(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * One entity's recent events, addressed by absolute position so windows keep their place while
 * events older than every window are dropped: memory holds a window's worth of events per entity,
 * never the entity's whole history.
 */
class EntityEvents {
  private items: SourceEvent[] = [];
  private base = 0;

  get end(): number {
    return this.base + this.items.length;
  }
  at(position: number): SourceEvent {
    return this.items[position - this.base];
  }
  push(event: SourceEvent): void {
    this.items.push(event);
  }
  /** Forgets events before `position`, once enough have piled up to be worth copying. */
  dropBefore(position: number): void {
    const drop = position - this.base;
    if (drop === this.items.length || (drop > 256 && drop * 2 > this.items.length)) {
      this.items = this.items.slice(drop);
      this.base = position;
    }
  }
}

/**
 * One window aggregation of one entity, sliding forward: each event enters once and leaves once,
 * so retrieval costs time linear in events plus rows. The window of a row at time t is
 * [t - window, t): events before the row's time only, never one at it or after it.
 */
class SlidingWindow {
  entered: number;
  left: number;
  private sum = 0;
  private numbers = 0;
  private readonly minimums = new PositionDeque();
  private readonly maximums = new PositionDeque();

  constructor(
    private readonly feature: WindowFeature,
    private readonly events: EntityEvents,
  ) {
    this.entered = this.left = events.end;
  }

  valueAt(timeMs: number): FeatureValue {
    const { events, feature } = this;
    while (this.entered < events.end && events.at(this.entered).timeMs < timeMs) this.enter(this.entered++);
    this.slideTo(timeMs);
    const count = this.entered - this.left;
    switch (feature.fn) {
      case 'count':
        return count;
      case 'sum':
        return this.numbers === 0 ? null : this.sum;
      case 'mean':
        return this.numbers === 0 ? null : this.sum / this.numbers;
      case 'min':
        return this.minimums.empty ? null : this.fieldAt(this.minimums.first);
      case 'max':
        return this.maximums.empty ? null : this.fieldAt(this.maximums.first);
      case 'last':
        return count === 0 ? null : ((events.at(this.entered - 1).values[feature.field!] ?? null) as FeatureValue);
    }
  }

  /** Lets go of events that no row at or after `timeMs` can see. */
  slideTo(timeMs: number): void {
    while (this.left < this.entered && this.events.at(this.left).timeMs < timeMs - this.feature.windowMs) this.leave(this.left++);
  }

  private fieldAt(position: number): number {
    return this.events.at(position).values[this.feature.field!] as number;
  }

  private valueOf(position: number): number | undefined {
    const value = this.feature.field === undefined ? undefined : this.events.at(position).values[this.feature.field];
    return numeric(value) ? value : undefined;
  }

  private enter(position: number): void {
    const value = this.valueOf(position);
    if (value === undefined) return;
    this.sum += value;
    this.numbers++;
    while (!this.minimums.empty && this.fieldAt(this.minimums.last) >= value) this.minimums.popLast();
    this.minimums.push(position);
    while (!this.maximums.empty && this.fieldAt(this.maximums.last) <= value) this.maximums.popLast();
    this.maximums.push(position);
  }

  private leave(position: number): void {
    const value = this.valueOf(position);
    if (value === undefined) return;
    this.numbers--;
    // An empty window sums to exactly nothing: no rounding residue carries over into the next one.
    this.sum = this.numbers === 0 ? 0 : this.sum - value;
    if (!this.minimums.empty && this.minimums.first === position) this.minimums.popFirst();
    if (!this.maximums.empty && this.maximums.first === position) this.maximums.popFirst();
  }
}

interface EntityState {
  latest?: SourceEvent;
  events: EntityEvents;
  windows: (SlidingWindow | undefined)[];
}

/**
 * Point-in-time values of one view, fed events in time order and asked for entities' values as of
 * non-decreasing times: row-level features from the latest event at or before the time and within
 * the TTL (an as-of join), window features over the events strictly before it. Nothing from after
 * a row's time is ever read, because it has not been fed yet.
 */
export class PointInTimeJoin {
  private readonly entities = new Map<string, EntityState>();
  private readonly longestWindowMs: number;
  private lastEventMs = Number.NEGATIVE_INFINITY;
  private lastAsOfMs = Number.NEGATIVE_INFINITY;

  constructor(readonly view: CompiledView) {
    this.longestWindowMs = Math.max(0, ...view.features.map((f) => (f.kind === 'window' ? f.windowMs : 0)));
  }

  /** Events must come in time order (ties in arrival order), each no later than the next asked time. */
  addEvent(entityKey: string, event: SourceEvent): void {
    if (event.timeMs < this.lastEventMs) throw new RangeError(`events must be in time order (${this.view.name}, entity ${entityKey})`);
    this.lastEventMs = event.timeMs;
    let state = this.entities.get(entityKey);
    if (!state) {
      const events = new EntityEvents();
      state = { events, windows: this.view.features.map((f) => (f.kind === 'window' ? new SlidingWindow(f, events) : undefined)) };
      this.entities.set(entityKey, state);
    }
    state.latest = event;
    if (this.longestWindowMs > 0) {
      state.events.push(event);
      // Rows to come are no earlier than this event: what falls out of every window now is gone for good.
      let oldest = state.events.end;
      for (const window of state.windows) {
        if (!window) continue;
        window.valueAt(event.timeMs);
        oldest = Math.min(oldest, window.left);
      }
      state.events.dropBefore(oldest);
    }
  }

  valuesAt(entityKey: string, timeMs: number): FeatureValue[] {
    if (timeMs < this.lastAsOfMs) throw new RangeError(`rows must be in time order (${this.view.name})`);
    this.lastAsOfMs = timeMs;
    const state = this.entities.get(entityKey);
    const latest = state?.latest;
    const current = latest && (this.view.ttlMs === 0 || timeMs - latest.timeMs <= this.view.ttlMs) ? latest : undefined;
    return this.view.features.map((f, i) => {
      if (f.kind === 'row') return current ? f.value(current.values) : null;
      return state ? state.windows[i]!.valueAt(timeMs) : f.fn === 'count' ? 0 : null;
    });
  }
}

/**
 * Joins entity rows (ascending time) with several views at once, each fed from its own event
 * stream (ascending time): one pass over each, rows answered in the order they came. Memory holds
 * each view's open windows, never a whole stream.
 */
export async function* joinInTimeOrder<R extends EntityRow>(
  joins: readonly PointInTimeJoin[],
  eventStreams: readonly AsyncIterable<KeyedEvent>[],
  rows: AsyncIterable<R> | Iterable<R>,
): AsyncGenerator<{ row: R; values: FeatureValue[][] }> {
  const streams = eventStreams.map((stream) => stream[Symbol.asyncIterator]());
  const pending: (IteratorResult<KeyedEvent> | undefined)[] = streams.map(() => undefined);
  let previous = Number.NEGATIVE_INFINITY;
  try {
    for await (const row of rows) {
      if (row.timeMs < previous) throw new EntityRowOrderError(row.index);
      previous = row.timeMs;
      for (let v = 0; v < joins.length; v++) {
        for (;;) {
          pending[v] ??= await streams[v].next();
          const next = pending[v]!;
          if (next.done || next.value.event.timeMs > row.timeMs) break;
          joins[v].addEvent(next.value.entityKey, next.value.event);
          pending[v] = undefined;
        }
      }
      yield { row, values: joins.map((join, v) => join.valuesAt(row.keys[v], row.timeMs)) };
    }
  } finally {
    for (const stream of streams) await stream.return?.();
  }
}

export class EntityRowOrderError extends Error {
  override name = 'EntityRowOrderError';
  constructor(readonly rowIndex: number) {
    super(`entity rows must be in ascending timestamp order; row ${rowIndex} is earlier than the row before it`);
  }
}
