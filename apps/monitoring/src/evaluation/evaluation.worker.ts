import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type MonitoringConfig } from '../config';
import { windowKey } from '../domain/windows/window-spec';
import { PendingLabels } from '../labels/pending-labels';
import { CanaryJudge } from '../policies/canary-judge';
import { PerformanceReviser } from '../reports/performance-reviser';
import { ReportRepository } from '../reports/report.repository';
import { WindowReporter } from '../reports/window-reporter';

const MAX_REVISION_ROUNDS = 10;

/**
 * One evaluation pass, on a timer: join held labels, report every series' closed windows (alerts
 * and retrain requests follow in the same transactions), revise performance where late labels came,
 * judge canaries. Replicas run it side by side; per-series locks keep a window from being reported twice.
 */
@Injectable()
export class EvaluationWorker implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;
  /** The last failure of each failing series: logged when it changes, not on every pass. */
  private readonly failing = new Map<number, string>();

  constructor(
    private readonly pendingLabels: PendingLabels,
    private readonly reports: ReportRepository,
    private readonly reporter: WindowReporter,
    private readonly reviser: PerformanceReviser,
    private readonly canaries: CanaryJudge,
    @Inject(SERVICE_CONFIG) private readonly config: MonitoringConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.MONITORING_EVALUATION_INTERVAL_MS, () => this.pass(), (error) => this.logger.error({ err: error }, 'monitoring evaluation failed'));
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
  }

  /** Each stage on its own: one failing (Kafka down for dead letters, a deadlock) must not stop the others. */
  private async pass(): Promise<void> {
    await this.stage('held labels', () => this.pendingLabels.retry());
    for (const series of await this.reports.series()) {
      try {
        await this.reporter.reportSeries(series);
        this.failing.delete(series.seriesId);
      } catch (error) {
        // One series failing (an unreadable profile) must not stop the others from being reported.
        const message = (error as Error).message;
        if (this.failing.get(series.seriesId) !== message) this.logger.error({ err: error, model: series.modelName, version: series.version, arm: series.arm }, 'reporting a series failed; retrying every pass');
        this.failing.set(series.seriesId, message);
      }
    }
    // Bounded, so a flood of late labels cannot keep one pass from judging canaries.
    await this.stage('performance revision', async () => {
      for (let round = 0; round < MAX_REVISION_ROUNDS; round++) if ((await this.reviser.revise()) === 0) break;
    });
    await this.stage('canary judgement', () => this.canaries.judgeAll(windowKey(this.reporter.standardWindow)));
  }

  private async stage(name: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.error({ err: error, stage: name }, 'monitoring evaluation stage failed; retried next pass');
    }
  }
}
