import { Inject, Injectable } from '@nestjs/common';
import { type TransactionRunner } from '@mlops/persistence';
import { LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { type Logger } from '@mlops/telemetry';
import { type MonitoringConfig } from '../config';
import { isPerformanceSeries, performanceSeries } from '../domain/report/report-series';
import { type WindowPerformance } from '../domain/performance/performance';
import { instancePerformance } from '../domain/report/window-report';
import { MonitoredVersionRepository } from '../versions/monitored-version.repository';
import { ReferenceProfiles } from '../versions/reference-profiles';
import { performanceTo } from './report.mapper';
import { ReportRepository } from './report.repository';

const REVISED_PER_PASS = 100;

/**
 * Labels arrive after the fact: a window reported before its labels came has its performance
 * recomputed when they do, so its figures always match its labelled predictions. Alerts keep the
 * judgement they made when the window closed (see README, "Delayed labels").
 */
@Injectable()
export class PerformanceReviser {
  constructor(
    private readonly reports: ReportRepository,
    private readonly versions: MonitoredVersionRepository,
    private readonly profiles: ReferenceProfiles,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private cannot(report: { modelName: string; version: number; reportId: string }, why: string, error: unknown): undefined {
    this.logger.warn({ err: error, model: report.modelName, version: report.version, reportId: report.reportId }, `${why}; performance not revised`);
    return undefined;
  }

  async revise(): Promise<number> {
    return this.transaction(async (tx) => {
      const stale = await this.reports.stale(tx, REVISED_PER_PASS);
      for (const report of stale) {
        const version = await this.versions.find(report.modelName, report.version, tx);
        const reference = version && (await this.profiles.of(version).catch((error: unknown) => this.cannot(report, 'reference profile unreadable', error)));
        const { instances } = reference ? await this.reports.instances(tx, report.seriesId, report.rows, reference.prediction?.name, this.config.MONITORING_MAX_WINDOW_ROWS) : { instances: [] };
        let performance: WindowPerformance | undefined;
        try {
          performance = reference && instancePerformance(reference, instances, this.config.MONITORING_MIN_SAMPLE_SIZE);
        } catch (error) {
          this.cannot(report, 'performance could not be computed', error);
        }
        if (!performance) {
          // Nothing to recompute with: the report keeps its figures instead of being retried forever.
          await this.reports.clearStale(tx, report.reportId);
          continue;
        }
        const values = { ...Object.fromEntries(Object.entries(report.values).filter(([name]) => !isPerformanceSeries(name))), ...performanceSeries(performance, instances.length) };
        await this.reports.revisePerformance(tx, report.reportId, performanceTo(performance), values);
      }
      return stale.length;
    });
  }
}
