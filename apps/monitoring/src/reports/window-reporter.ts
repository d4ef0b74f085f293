import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { Events, OutboxWriter } from '@mlops/events';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { AlertEvaluator } from '../alerts/alert-evaluator';
import { AlertRuleRepository } from '../alerts/alert-rule.repository';
import { type MonitoringConfig } from '../config';
import { type AlertRule } from '../domain/alerts/alert-rule';
import { type ReferenceProfile } from '../domain/report/reference-profile';
import { reportSeries } from '../domain/report/report-series';
import { type FeatureDriftResult, type WindowReport, windowReport } from '../domain/report/window-report';
import { closedCountWindows, closedTimeWindows, type WindowSpec, windowKey } from '../domain/windows/window-spec';
import { MonitoredVersionRepository } from '../versions/monitored-version.repository';
import { ReferenceProfiles } from '../versions/reference-profiles';
import { driftMethodTo, reportTo } from './report.mapper';
import { ReportRepository, type Series, type WindowRows } from './report.repository';

const meter = metrics.getMeter('monitoring');
const reportsMade = meter.createCounter('monitoring.reports', { description: 'Window reports computed, by model' });
const reportSeconds = meter.createHistogram('monitoring.report.duration', { unit: 's', description: 'Time to compute and store one window report' });

interface Window {
  rows: WindowRows;
  /** The window's time range: its bounds for time windows, its first and last prediction for count windows. */
  start: Date;
  end: Date;
  endSeq: number | undefined;
}

/** Whether a rule watches this series (version 0 and arm '' mean every one). */
const appliesTo = (rule: AlertRule, series: Series) => (rule.modelVersion === 0 || rule.modelVersion === series.version) && (rule.arm === '' || rule.arm === series.arm);

/**
 * Reports each series' windows as they close, one transaction per window holding the series' lock:
 * the report, its drift history, the alert changes it causes and their events commit together.
 */
@Injectable()
export class WindowReporter {
  constructor(
    private readonly reports: ReportRepository,
    private readonly versions: MonitoredVersionRepository,
    private readonly profiles: ReferenceProfiles,
    private readonly alerts: AlertEvaluator,
    private readonly rules: AlertRuleRepository,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The window every model is reported over, and the one rules without a window use. */
  get standardWindow(): WindowSpec {
    return { by: 'time', kind: 'tumbling', sizeMs: this.config.MONITORING_WINDOW_MS, slideMs: this.config.MONITORING_WINDOW_MS };
  }

  /**
   * One transaction per series and pass, at most MONITORING_MAX_WINDOWS_PER_PASS windows per window
   * definition, so a backlog is worked off over passes while other series get their turn. The rules
   * are read under a share lock here, so a rule change waits for the windows it would judge.
   */
  async reportSeries(series: Series): Promise<number> {
    const version = await this.versions.find(series.modelName, series.version);
    const reference = version && (await this.profiles.of(version));
    if (!reference) return 0;
    return this.transaction(async (tx) => {
      if (!(await this.reports.lockSeries(tx, series.seriesId))) return 0; // another replica is on it
      const rules = (await this.rules.find(series.modelName, tx, { share: true })).rules.filter((r) => appliesTo(r, series));
      const specs = new Map([this.standardWindow, ...rules.map((r) => r.window)].map((spec) => [windowKey(spec), spec]));
      // Asked only when a time window of a rule has no report yet (see closedWindows).
      let reported: Promise<boolean> | undefined;
      const seriesReported = () => (reported ??= this.reports.hasReports(tx, series.seriesId));
      let made = 0;
      for (const [key, spec] of specs) {
        const windows = await this.closedWindows(tx, series, key, spec, seriesReported);
        const keyRules = rules.filter((r) => windowKey(r.window) === key);
        for (const window of windows) await this.report(tx, series, reference, key, spec, window, keyRules);
        made += windows.length;
      }
      return made;
    });
  }

  private async closedWindows(tx: SqlExecutor, series: Series, key: string, spec: WindowSpec, seriesReported: () => Promise<boolean>): Promise<Window[]> {
    const last = await this.reports.lastWindow(tx, series.seriesId, key);
    const limit = this.config.MONITORING_MAX_WINDOWS_PER_PASS;
    if (spec.by === 'time') {
      // Windows close as the model's traffic moves on, but not past the series' own last window: a retired arm stops.
      const watermark = Math.min(series.modelNewestAt.getTime() - this.config.MONITORING_ALLOWED_LATENESS_MS, series.newestPredictedAt.getTime() + spec.sizeMs);
      // A rule window added to a series already reported starts now, not with its history (no months-old alerts).
      const from = !last && (await seriesReported()) ? Math.max(series.firstPredictedAt.getTime(), watermark - spec.sizeMs) : series.firstPredictedAt.getTime();
      return closedTimeWindows(spec, last?.endMs, from, watermark, limit).map((w) => ({
        rows: { by: 'time', start: new Date(w.startMs), end: new Date(w.endMs) }, start: new Date(w.startMs), end: new Date(w.endMs), endSeq: undefined,
      }));
    }
    // Count windows take their time range from their predictions, read with the rows.
    return closedCountWindows(spec, last?.endSeq ?? 0, series.count, limit).map((w) => ({ rows: { by: 'count', startSeq: w.startSeq, endSeq: w.endSeq }, start: new Date(0), end: new Date(0), endSeq: w.endSeq }));
  }

  /** `rules`: the series' rules over this window. */
  private async report(tx: SqlExecutor, series: Series, reference: ReferenceProfile, key: string, spec: WindowSpec, window: Window, rules: readonly AlertRule[]): Promise<void> {
    const started = performance.now();
    const { instances, span, total } = await this.reports.instances(tx, series.seriesId, window.rows, reference.prediction?.name, this.config.MONITORING_MAX_WINDOW_ROWS);
    const byCount = window.rows.by === 'count';
    const start = byCount ? (span?.first ?? window.start) : window.start;
    const end = byCount ? (span?.last ?? window.end) : window.end;
    const requests = await this.reports.requests(tx, series.seriesId, start, end, byCount);
    const report = windowReport({
      reference, instances, requests, minSampleSize: this.config.MONITORING_MIN_SAMPLE_SIZE,
      durationSeconds: Math.max(1, (end.getTime() - start.getTime()) / 1000),
    });
    const reportId = randomUUID();
    const body = reportTo({ reportId, modelName: series.modelName, version: series.version, arm: series.arm, windowSpec: spec, start, end, generatedAt: new Date() }, report);
    body.predictionCount = total;
    const values = reportSeries(report);
    await this.reports.save(tx, { reportId, seriesId: series.seriesId, windowKey: key, start, end, endSeq: window.endSeq, body, values });
    if (key === windowKey(this.standardWindow)) await this.announceDrift(tx, series, reportId, start, end, report);
    const newSince = spec.by === 'time' ? new Date(end.getTime() - spec.slideMs) : start;
    await this.alerts.evaluate(tx, { modelName: series.modelName, version: series.version, arm: series.arm, windowKey: key, start, end, newSince, values }, rules);
    reportsMade.add(1, { model: series.modelName });
    reportSeconds.record((performance.now() - started) / 1000, { model: series.modelName });
    this.logger.debug({ model: series.modelName, version: series.version, arm: series.arm, window: key, start, end, predictions: total, driftShare: report.driftShare }, 'window reported');
  }

  /** `drift detected` for a standard window in which a feature or the prediction drifted. */
  private async announceDrift(tx: SqlExecutor, series: Series, reportId: string, start: Date, end: Date, report: WindowReport): Promise<void> {
    const drifted = (r: FeatureDriftResult | undefined) => r?.drift.status === 'ok' && r.drift.drifted;
    const features = report.featureDrift.filter(drifted);
    const predictionDrift = drifted(report.predictionDrift);
    if (features.length === 0 && !predictionDrift) return;
    await this.outbox.enqueue(tx, Events.driftDetected, {
      modelName: series.modelName, modelVersion: series.version, arm: series.arm, window: { start, end }, reportId,
      features: [...features, ...(predictionDrift ? [report.predictionDrift!] : [])].map(driftedFeature),
      predictionDrift, driftShare: report.driftShare ?? 0, datasetDrift: report.datasetDrift ?? false,
    });
  }
}

function driftedFeature({ feature, drift }: FeatureDriftResult): eventsV1.DriftedFeature {
  if (drift.status !== 'ok') throw new Error('only a computed drift is announced');
  // DriftMethod (API) and DriftStatistic (event) number the methods alike.
  return { feature, method: driftMethodTo(drift.method) as number, statistic: drift.statistic, pValue: drift.pValue, threshold: drift.threshold };
}
