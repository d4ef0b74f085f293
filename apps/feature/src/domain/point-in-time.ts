import { type AggregationFunction, type FeatureView } from './definitions';
import { compileFeatureExpression, type SourceValues } from './expression';

export type FeatureValue = number | string | boolean | null;

/** One source event of one entity. Events are ordered by time, then by `seq` (arrival), both paths alike. */
export interface SourceEvent {
  timeMs: number;
  seq: number;
  values: SourceValues;
}

/** An entity row asking for the view's values as of its time. */
export interface AsOfRow {
  index: number;
  timeMs: number;
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

/** A double-ended queue of event indexes; Array#shift would make a long window quadratic. */
class IndexDeque {
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
  push(index: number): void {
    this.items.push(index);
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
 * One window aggregation sliding forward over an entity's events: each event enters once and
 * leaves once, so a whole entity costs time linear in its events and rows. The window of a row at
 * time t is [t - window, t): events before the row's time only, never one at it or after it.
 */
class SlidingWindow {
  private entered = 0;
  private left = 0;
  private sum = 0;
  private numbers = 0;
  /** Indexes of candidate minimum / maximum events, oldest first (monotonic deques). */
  private readonly minimums = new IndexDeque();
  private readonly maximums = new IndexDeque();

  constructor(
    private readonly feature: WindowFeature,
    private readonly events: readonly SourceEvent[],
  ) {}

  valueAt(timeMs: number): FeatureValue {
    const { events, feature } = this;
    while (this.entered < events.length && events[this.entered].timeMs < timeMs) this.enter(this.entered++);
    while (this.left < this.entered && events[this.left].timeMs < timeMs - feature.windowMs) this.leave(this.left++);
    const count = this.entered - this.left;
    switch (feature.fn) {
      case 'count':
        return count;
      case 'sum':
        return this.numbers === 0 ? null : this.sum;
      case 'mean':
        return this.numbers === 0 ? null : this.sum / this.numbers;
      case 'min':
        return this.minimums.empty ? null : this.fieldOf(this.minimums.first);
      case 'max':
        return this.maximums.empty ? null : this.fieldOf(this.maximums.first);
      case 'last':
        return count === 0 ? null : (this.events[this.entered - 1].values[feature.field!] ?? null) as FeatureValue;
    }
  }

  private fieldOf(index: number): number {
    return this.events[index].values[this.feature.field!] as number;
  }

  private enter(index: number): void {
    const value = this.feature.field === undefined ? undefined : this.events[index].values[this.feature.field];
    if (!numeric(value)) return;
    this.sum += value;
    this.numbers++;
    while (!this.minimums.empty && this.fieldOf(this.minimums.last) >= value) this.minimums.popLast();
    this.minimums.push(index);
    while (!this.maximums.empty && this.fieldOf(this.maximums.last) <= value) this.maximums.popLast();
    this.maximums.push(index);
  }

  private leave(index: number): void {
    const value = this.feature.field === undefined ? undefined : this.events[index].values[this.feature.field];
    if (!numeric(value)) return;
    this.sum -= value;
    this.numbers--;
    if (!this.minimums.empty && this.minimums.first === index) this.minimums.popFirst();
    if (!this.maximums.empty && this.maximums.first === index) this.maximums.popFirst();
  }
}

/**
 * Point-in-time values of one view for one entity: for each row (ascending time), row-level features
 * from the latest event at or before the row's time and within the TTL (an as-of join), window
 * features over the events strictly before it. Nothing from after a row's time is ever read.
 */
export function* pointInTime(view: CompiledView, events: readonly SourceEvent[], rows: Iterable<AsOfRow>): Generator<{ index: number; values: FeatureValue[] }> {
  const windows = view.features.map((f) => (f.kind === 'window' ? new SlidingWindow(f, events) : undefined));
  let latest = -1;
  let previousTime = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    if (row.timeMs < previousTime) throw new RangeError(`entity rows must be in ascending time order (row ${row.index})`);
    previousTime = row.timeMs;
    while (latest + 1 < events.length && events[latest + 1].timeMs <= row.timeMs) latest++;
    const current = latest >= 0 && (view.ttlMs === 0 || row.timeMs - events[latest].timeMs <= view.ttlMs) ? events[latest] : undefined;
    yield {
      index: row.index,
      values: view.features.map((f, i) => (f.kind === 'window' ? windows[i]!.valueAt(row.timeMs) : current ? f.value(current.values) : null)),
    };
  }
}
