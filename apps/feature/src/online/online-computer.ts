import { Injectable } from '@nestjs/common';
import { type SqlExecutor } from '@mlops/persistence';
import { type FeatureView } from '../domain/definitions';
import { compileView, type FeatureValue } from '../domain/point-in-time';

export interface AsOfTarget {
  entityKey: string;
  asOf: Date;
}

export interface ComputedValues extends AsOfTarget {
  /** Time of the latest event at or before `asOf`, if any. */
  eventTime?: Date;
  /** In the view's feature order. */
  values: FeatureValue[];
}

interface Query {
  sql: string;
  parameters: unknown[];
  /** Where each feature's value is in a result row: a column, or the latest event's values. */
  sources: ({ column: string } | { row: true })[];
}

/**
 * The online path: a view's values for entities as of given times, computed by PostgreSQL from the
 * offline store with one statement per call (a lateral aggregate per window length). It shares no
 * code with the offline retrieval's sliding windows, which is what makes the parity check between
 * the two meaningful. Row-level features (fields, expressions) are read from the latest event.
 */
@Injectable()
export class OnlineComputer {
  async compute(tx: SqlExecutor, view: FeatureView, targets: AsOfTarget[]): Promise<ComputedValues[]> {
    if (targets.length === 0) return [];
    const query = buildQuery(view);
    const rows = (await tx.query(query.sql, [view.name, targets.map((t) => t.entityKey), targets.map((t) => t.asOf), ...query.parameters])) as Record<string, unknown>[];
    const compiled = compileView(view);
    return rows.map((row) => {
      const asOf = row.as_of as Date;
      const eventTime = (row.latest_time as Date | null) ?? undefined;
      const latest = eventTime && (compiled.ttlMs === 0 || asOf.getTime() - eventTime.getTime() <= compiled.ttlMs) ? (row.latest_values as Record<string, unknown>) : undefined;
      const values = compiled.features.map((feature, i): FeatureValue => {
        const source = query.sources[i];
        if ('column' in source) return toValue(row[source.column]);
        return latest && feature.kind === 'row' ? feature.value(latest) : null;
      });
      return { entityKey: row.entity_key as string, asOf, eventTime, values };
    });
  }
}

function toValue(value: unknown): FeatureValue {
  return value === undefined ? null : (value as FeatureValue);
}

function buildQuery(view: FeatureView): Query {
  const parameters: unknown[] = [];
  const param = (value: unknown) => {
    parameters.push(value);
    return `$${parameters.length + 3}`;
  };
  const windows = new Map<number, string[]>();
  const sources = view.features.map((feature, i): Query['sources'][number] => {
    const t = feature.transformation;
    if (t.kind !== 'aggregation') return { row: true };
    const columns = windows.get(t.windowSeconds) ?? [];
    windows.set(t.windowSeconds, columns);
    const alias = `w${t.windowSeconds}`;
    if (t.function === 'count') return { column: `${alias}_n` };
    const field = param(t.field);
    const number = `CASE WHEN jsonb_typeof(r.values->${field}) = 'number' THEN (r.values->>${field})::float8 END`;
    const expression = {
      sum: `sum(${number})`,
      mean: `avg(${number})`,
      min: `min(${number})`,
      max: `max(${number})`,
      last: `(array_agg(r.values->${field} ORDER BY r.event_time DESC, r.seq DESC))[1]`,
    }[t.function];
    columns.push(`${expression} AS f${i}`);
    return { column: `${alias}_f${i}` };
  });
  const lateral = [...windows].map(([seconds, columns]) => {
    const alias = `w${seconds}`;
    const outer = [`${alias}.n AS ${alias}_n`, ...columns.map((c) => `${alias}.${c.split(' AS ')[1]} AS ${alias}_${c.split(' AS ')[1]}`)];
    return {
      select: outer.join(', '),
      join: `LEFT JOIN LATERAL (
        SELECT count(*)::int AS n${columns.map((c) => `, ${c}`).join('')} FROM view_rows r
        WHERE r.view_name = $1 AND r.entity_key = t.entity_key
          AND r.event_time >= t.as_of - make_interval(secs => ${seconds}) AND r.event_time < t.as_of
      ) ${alias} ON true`,
    };
  });
  const sql = `
    SELECT t.entity_key, t.as_of, latest.event_time AS latest_time, latest.values AS latest_values${lateral.map((l) => `, ${l.select}`).join('')}
    FROM unnest($2::text[], $3::timestamptz[]) WITH ORDINALITY AS t(entity_key, as_of, ord)
    LEFT JOIN LATERAL (
      SELECT r.event_time, r.values FROM view_rows r
      WHERE r.view_name = $1 AND r.entity_key = t.entity_key AND r.event_time <= t.as_of
      ORDER BY r.event_time DESC, r.seq DESC LIMIT 1
    ) latest ON true
    ${lateral.map((l) => l.join).join('\n')}
    ORDER BY t.ord`;
  return { sql, parameters, sources };
}
