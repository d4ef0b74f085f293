import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type AlertState } from '../domain/alerts/alert-lifecycle';
import { type AlertRule, type Comparison, type Severity } from '../domain/alerts/alert-rule';

export type StoredState = 'pending' | 'firing' | 'resolved';

export interface StoredAlert {
  alertId: string;
  modelName: string;
  ruleName: string;
  version: number;
  arm: string;
  state: StoredState;
  severity: Severity;
  metric: string;
  comparison: Comparison;
  threshold: number;
  value: number;
  labels: Record<string, string>;
  message: string;
  pendingSince: Date;
  firedAt: Date | undefined;
  resolvedAt: Date | undefined;
  updatedAt: Date;
}

export interface AlertFilter {
  modelName: string;
  states: StoredState[];
  minSeverity: Severity | undefined;
  activeFrom: Date | undefined;
  activeTo: Date | undefined;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 1, warning: 2, critical: 3 };

interface AlertRow {
  alert_id: string; model_name: string; rule_name: string; version: number; arm: string; state: StoredState; severity: Severity; metric: string;
  comparison: Comparison; threshold: number; value: number; labels: Record<string, string>; message: string;
  pending_since: Date; fired_at: Date | null; resolved_at: Date | null; updated_at: Date;
}

const alertOf = (r: AlertRow): StoredAlert => ({
  alertId: r.alert_id, modelName: r.model_name, ruleName: r.rule_name, version: r.version, arm: r.arm, state: r.state, severity: r.severity,
  metric: r.metric, comparison: r.comparison, threshold: r.threshold, value: r.value, labels: r.labels, message: r.message,
  pendingSince: r.pending_since, firedAt: r.fired_at ?? undefined, resolvedAt: r.resolved_at ?? undefined, updatedAt: r.updated_at,
});

/** Alerts and their history: at most one open (pending or firing) per rule and series; resolved ones stay. */
@Injectable()
export class AlertRepository {
  constructor(private readonly db: DataSource) {}

  async open(tx: SqlExecutor, modelName: string, ruleName: string, version: number, arm: string): Promise<StoredAlert | undefined> {
    const [row] = (await tx.query(
      `SELECT * FROM alerts WHERE model_name = $1 AND rule_name = $2 AND version = $3 AND arm = $4 AND state IN ('pending', 'firing') FOR UPDATE`,
      [modelName, ruleName, version, arm],
    )) as AlertRow[];
    return row && alertOf(row);
  }

  async insert(tx: SqlExecutor, alert: Omit<StoredAlert, 'updatedAt'>): Promise<void> {
    await tx.query(
      `INSERT INTO alerts (alert_id, model_name, rule_name, version, arm, state, severity, metric, comparison, threshold, value, labels, message, pending_since, fired_at, resolved_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [alert.alertId, alert.modelName, alert.ruleName, alert.version, alert.arm, alert.state, alert.severity, alert.metric, alert.comparison, alert.threshold, alert.value, JSON.stringify(alert.labels), alert.message, alert.pendingSince, alert.firedAt ?? null, alert.resolvedAt ?? null],
    );
  }

  async update(tx: SqlExecutor, alertId: string, change: { state: StoredState; value: number; message: string; firedAt?: Date; resolvedAt?: Date }): Promise<void> {
    await tx.query(
      `UPDATE alerts SET state = $2, value = $3, message = $4, fired_at = coalesce($5, fired_at), resolved_at = coalesce($6, resolved_at), updated_at = now()
       WHERE alert_id = $1 AND state IN ('pending', 'firing')`,
      [alertId, change.state, change.value, change.message, change.firedAt ?? null, change.resolvedAt ?? null],
    );
  }

  /** Newest first by when the condition began (which never changes, so paging is stable), keyset-paged on (pending_since, alert_id). */
  async page(filter: AlertFilter, limit: number, after?: { pendingSince: string; alertId: string }): Promise<{ alerts: StoredAlert[]; more: boolean }> {
    const severities = Object.entries(SEVERITY_RANK).filter(([, rank]) => rank >= SEVERITY_RANK[filter.minSeverity ?? 'info']).map(([name]) => name);
    const rows = await this.db.query<AlertRow[]>(
      `SELECT * FROM alerts
       WHERE ($1 = '' OR model_name = $1) AND (cardinality($2::text[]) = 0 OR state = ANY($2)) AND severity = ANY($3)
         AND ($4::timestamptz IS NULL OR coalesce(resolved_at, 'infinity') >= $4) AND ($5::timestamptz IS NULL OR pending_since < $5)
         AND ($6::timestamptz IS NULL OR (pending_since, alert_id) < ($6::timestamptz, $7::uuid))
       ORDER BY pending_since DESC, alert_id DESC LIMIT $8`,
      [filter.modelName, filter.states, severities, filter.activeFrom ?? null, filter.activeTo ?? null, after?.pendingSince ?? null, after?.alertId ?? null, limit + 1],
    );
    return { alerts: rows.slice(0, limit).map(alertOf), more: rows.length > limit };
  }
}

/**
 * Open alerts no rule of the model's new set stands behind any more (the rule was removed, or its
 * metric, condition or scope changed), resolved because of it.
 */
export async function closeAlertsOfChangedRules(tx: SqlExecutor, modelName: string, kept: readonly AlertRule[]): Promise<StoredAlert[]> {
  const rows = (await tx.query(
    // Through a CTE: TypeORM hands back `[rows, count]` for a bare UPDATE ... RETURNING.
    `WITH closed AS (
       UPDATE alerts a SET state = 'resolved', resolved_at = now(), updated_at = now(), message = message || '; its rule was removed or changed'
       WHERE a.model_name = $1 AND a.state IN ('pending', 'firing') AND NOT EXISTS (
         SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[], $5::float8[], $6::int[], $7::text[]) AS k(name, metric, comparison, threshold, version, arm)
         WHERE k.name = a.rule_name AND k.metric = a.metric AND k.comparison = a.comparison AND k.threshold = a.threshold
           AND (k.version = 0 OR k.version = a.version) AND (k.arm = '' OR k.arm = a.arm))
       RETURNING a.*)
     SELECT * FROM closed`,
    [modelName, kept.map((r) => r.name), kept.map((r) => r.metric), kept.map((r) => r.comparison), kept.map((r) => r.threshold), kept.map((r) => r.modelVersion), kept.map((r) => r.arm)],
  )) as AlertRow[];
  return rows.map(alertOf);
}

export function alertStateOf(alert: StoredAlert | undefined): AlertState | undefined {
  if (!alert || alert.state === 'resolved') return undefined;
  return alert.state === 'firing' ? { state: 'firing', pendingSince: alert.pendingSince, firedAt: alert.firedAt! } : { state: 'pending', pendingSince: alert.pendingSince };
}
