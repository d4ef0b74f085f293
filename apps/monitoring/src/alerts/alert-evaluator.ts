import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { LOGGER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { alertMessage, nextAlertState } from '../domain/alerts/alert-lifecycle';
import { type AlertRule, type Severity } from '../domain/alerts/alert-rule';
import { RetrainTrigger } from '../policies/retrain-trigger';
import { alertStateOf, AlertRepository, closeAlertsOfChangedRules, type StoredAlert } from './alert.repository';

const SEVERITIES: Record<Severity, eventsV1.AlertSeverity> = {
  info: eventsV1.AlertSeverity.ALERT_SEVERITY_INFO,
  warning: eventsV1.AlertSeverity.ALERT_SEVERITY_WARNING,
  critical: eventsV1.AlertSeverity.ALERT_SEVERITY_CRITICAL,
};

const transitions = metrics.getMeter('monitoring').createCounter('monitoring.alert.transitions', { description: 'Alert state changes, by model, rule and transition' });

/** One window's series of one (model, version, arm), as alert rules see it. */
export interface EvaluatedWindow {
  modelName: string;
  version: number;
  arm: string;
  windowKey: string;
  start: Date;
  end: Date;
  /** Where the window's newest slide begins: what it saw that the window before it did not. */
  newSince: Date;
  values: Readonly<Record<string, number>>;
}

/**
 * Applies a model's alert rules to a freshly reported window, in the transaction that stores the
 * report: alert rows change and their events are written to the outbox together, so an alert fires
 * exactly once however often the evaluation is retried. A firing alert may request a retrain.
 */
@Injectable()
export class AlertEvaluator {
  constructor(
    private readonly alerts: AlertRepository,
    private readonly outbox: OutboxWriter,
    private readonly retrain: RetrainTrigger,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** `rules`: those that watch the window's series over its window (the reporter picks them). */
  async evaluate(tx: SqlExecutor, window: EvaluatedWindow, rules: readonly AlertRule[]): Promise<void> {
    for (const rule of rules) await this.apply(tx, window, rule);
  }

  /** Alerts of rules just removed or changed are resolved; a firing one says so with `alert resolved`. */
  async closeOrphaned(tx: SqlExecutor, modelName: string, kept: readonly AlertRule[]): Promise<void> {
    for (const alert of await closeAlertsOfChangedRules(tx, modelName, kept)) {
      if (!alert.firedAt) continue;
      await this.outbox.enqueue(tx, Events.alertResolved, {
        alertId: alert.alertId, ruleName: alert.ruleName, modelName, modelVersion: alert.version, arm: alert.arm, value: alert.value, firedAt: alert.firedAt, message: alert.message,
      });
    }
  }

  private async apply(tx: SqlExecutor, window: EvaluatedWindow, rule: AlertRule): Promise<void> {
    const current = await this.alerts.open(tx, window.modelName, rule.name, window.version, window.arm);
    const value = window.values[rule.metric];
    const step = nextAlertState(alertStateOf(current), rule, value, window.end);
    if (step.transition === 'none') {
      if (current && value !== undefined) await this.alerts.update(tx, current.alertId, { state: current.state, value, message: alertMessage(rule, value) });
      return;
    }
    transitions.add(1, { model: window.modelName, rule: rule.name, transition: step.transition });
    const message = alertMessage(rule, value);
    if (step.transition === 'pending' || (step.transition === 'fired' && !current)) {
      const alert: Omit<StoredAlert, 'updatedAt'> = {
        alertId: randomUUID(), modelName: window.modelName, ruleName: rule.name, version: window.version, arm: window.arm,
        state: step.state!.state, severity: rule.severity, metric: rule.metric, comparison: rule.comparison, threshold: rule.threshold,
        value: value, labels: rule.labels, message, pendingSince: step.state!.pendingSince, firedAt: step.state!.state === 'firing' ? window.end : undefined, resolvedAt: undefined,
      };
      await this.alerts.insert(tx, alert);
      if (step.transition === 'fired') await this.fired(tx, { ...alert, updatedAt: window.end }, window);
      return;
    }
    if (step.transition === 'fired') {
      await this.alerts.update(tx, current!.alertId, { state: 'firing', value: value, message, firedAt: window.end });
      await this.fired(tx, { ...current!, value: value, message, firedAt: window.end }, window);
      return;
    }
    // resolved (it had fired) or cleared (it had not): either way the alert is over.
    const over = step.transition === 'resolved' ? message : `${message}; cleared before it fired`;
    await this.alerts.update(tx, current!.alertId, { state: 'resolved', value: value, message: over, resolvedAt: window.end });
    if (step.transition === 'resolved') {
      await this.outbox.enqueue(tx, Events.alertResolved, {
        alertId: current!.alertId, ruleName: rule.name, modelName: window.modelName, modelVersion: window.version, arm: window.arm,
        value: value, firedAt: current!.firedAt, message: over,
      });
      this.logger.info({ model: window.modelName, version: window.version, arm: window.arm, rule: rule.name, value }, 'alert resolved');
    }
  }

  private async fired(tx: SqlExecutor, alert: StoredAlert, window: EvaluatedWindow): Promise<void> {
    await this.outbox.enqueue(tx, Events.alertFired, {
      alertId: alert.alertId, ruleName: alert.ruleName, modelName: alert.modelName, modelVersion: alert.version, arm: alert.arm,
      severity: SEVERITIES[alert.severity], metric: alert.metric, value: alert.value, threshold: alert.threshold, comparison: alert.comparison,
      pendingSince: alert.pendingSince, labels: alert.labels, message: alert.message,
    });
    this.logger.warn({ model: alert.modelName, version: alert.version, arm: alert.arm, rule: alert.ruleName, value: alert.value, message: alert.message }, 'alert fired');
    await this.retrain.onAlertFired(tx, alert, window);
  }
}
