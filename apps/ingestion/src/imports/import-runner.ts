import { Inject, Injectable } from '@nestjs/common';
import { type TransactionRunner } from '@mlops/persistence';
import { ingestionV1 } from '@mlops/proto';
import { LOGGER, type OnServiceReady, type OnServiceStop, SERVICE_CONFIG, TRANSACTION_RUNNER } from '@mlops/platform';
import { sleep } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { type IngestionConfig } from '../config';
import { IngestService } from '../records/ingest.service';
import { readFile } from './file-readers';
import { type ImportJob, ImportJobRepository } from './import-job.repository';

/**
 * Runs queued file imports one at a time per replica, off the gRPC request path. Each batch is
 * stored in one transaction together with the job's progress, so a crashed or stopped worker's job
 * is resumed (by any replica, once its lease lapses) exactly where its last batch committed.
 */
@Injectable()
export class ImportRunner implements OnServiceReady, OnServiceStop {
  private readonly stopping = new AbortController();
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly jobs: ImportJobRepository,
    private readonly ingest: IngestService,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onServiceReady(): Promise<void> {
    this.loop ??= this.run();
    return Promise.resolve();
  }

  async onServiceStop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loop;
  }

  /** A job was queued: look now rather than at the next poll. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let job: ImportJob | undefined;
      try {
        job = await this.jobs.claim();
        if (job) await this.execute(job);
      } catch (error) {
        this.logger.warn({ err: error }, 'import worker failed; retrying');
      }
      if (!job && !this.stopping.signal.aborted) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(this.config.IMPORT_POLL_INTERVAL_MS).then(resolve);
        });
      }
    }
  }

  private async execute(job: ImportJob): Promise<void> {
    const log = this.logger.child({ jobId: job.jobId, dataset: job.dataset, file: job.source });
    log.info({ resumeFromRow: job.rowsRead }, 'import started');
    let read = job.rowsRead;
    try {
      const chunks = readFile(job.source, job.format, { batchSize: job.batchSize, skipRows: job.rowsRead, csvDelimiter: job.csvDelimiter, csvNullValues: job.csvNullValues });
      for await (const chunk of chunks) {
        if (this.stopping.signal.aborted) {
          log.info({ rowsRead: read }, 'import paused by shutdown; another worker resumes it');
          return;
        }
        const records = job.maxRows > 0 ? chunk.records.slice(0, Math.max(0, job.maxRows - read)) : chunk.records;
        if (records.length === 0) break;
        const first = read;
        await this.transaction(async (tx) => {
          const counts = await this.ingest.ingestLatest(
            tx,
            job.dataset,
            records.map((raw, i) => ({ raw, sourceRef: `${job.jobId}:${first + i}` })),
            { source: ingestionV1.RecordSource.RECORD_SOURCE_FILE, batchId: job.jobId },
            job.format === 'csv' ? 'text' : 'typed',
          );
          await this.jobs.advance(tx, job.jobId, { contractVersion: counts.contractVersion, bytesRead: chunk.bytesRead, read: counts.received, stored: counts.stored, quarantined: counts.quarantined });
        });
        read += records.length;
        if (job.maxRows > 0 && read >= job.maxRows) break;
      }
      await this.jobs.finish(job.jobId, 'succeeded');
      log.info({ rowsRead: read }, 'import finished');
    } catch (error) {
      log.error({ err: error, rowsRead: read }, 'import failed');
      await this.jobs.finish(job.jobId, 'failed', `after row ${read}: ${(error as Error).message}`);
    }
  }
}
