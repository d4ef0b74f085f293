import { Inject, Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG } from '@mlops/platform';
import { every, type Periodic } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type IngestionConfig } from '../config';
import { ContractRepository } from '../contracts/contract.repository';
import { SnapshotService } from './snapshot.service';

const policySnapshots = metrics.getMeter('ingestion').createCounter('ingestion.snapshots.by_policy', { description: 'Snapshots taken by a dataset policy, by dataset and trigger (size, schedule)' });

/** Takes the snapshots datasets' policies call for, checking every SNAPSHOT_POLICY_INTERVAL_MS. */
@Injectable()
export class SnapshotPolicyRunner implements OnServiceReady, OnServiceStop {
  private periodic?: Periodic;

  constructor(
    private readonly contracts: ContractRepository,
    private readonly snapshots: SnapshotService,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.periodic = every(this.config.SNAPSHOT_POLICY_INTERVAL_MS, () => this.check(), (error) => this.logger.warn({ err: error }, 'snapshot policy check failed'));
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    await this.periodic?.stop();
  }

  private async check(): Promise<void> {
    for (const { contract } of await this.contracts.latestOfEach()) {
      if (!contract.snapshotPolicy) continue;
      const snapshot = await this.snapshots.createIfDue(contract, new Date());
      if (!snapshot) continue;
      policySnapshots.add(1, { dataset: contract.dataset, trigger: snapshot.trigger });
      this.logger.info({ dataset: contract.dataset, snapshotId: snapshot.snapshotId, trigger: snapshot.trigger, rows: snapshot.rowCount }, 'snapshot taken by policy');
    }
  }
}
