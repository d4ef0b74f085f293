import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { commonV1, type featureV1 } from '@mlops/proto';
import { type FeatureConfig } from '../config';
import { SourceContractRepository } from '../contracts/source-contract.repository';
import { entityKeyOf } from '../domain/definitions';
import { compileView, type EntityRow, EntityRowOrderError, joinInTimeOrder, PointInTimeJoin } from '../domain/point-in-time';
import { fromValue, toDataType, toValue } from '../feature.mapper';
import { OfflineStore } from '../offline/offline-store';
import { IngestionClient } from './ingestion-client';
import { type OutputDataset } from './output-dataset';
import { featureNames, type Selection, SelectionResolver } from './selection';

const DEFAULT_BATCH = 1_000;
const MAX_BATCH = 10_000;
/** The latest time a Date can hold: every event. */
const LATEST_DATE_MS = 8.64e15;

/** What a retrieval streams: a header, row batches in entity-row order, then a summary. */
export type HistoricalMessage = NonNullable<featureV1.GetHistoricalFeaturesResponse['message']>;

/** An entity row with its cells, which the result repeats before the features. */
type InputRow = EntityRow & { cells: commonV1.FeatureValue[] };

/**
 * Point-in-time correct retrieval: entity rows (ascending time; inline, or an ingestion snapshot
 * read over gRPC) joined with each selected view in one pass over the view's events in the offline
 * store, streamed in batches: neither the entity rows nor the result has to fit in memory.
 */
@Injectable()
export class HistoricalService {
  constructor(
    private readonly selections: SelectionResolver,
    private readonly offline: OfflineStore,
    private readonly contracts: SourceContractRepository,
    private readonly ingestion: IngestionClient,
    @Inject(SERVICE_CONFIG) private readonly config: FeatureConfig,
  ) {}

  async *retrieve(request: featureV1.GetHistoricalFeaturesRequest, signal: AbortSignal): AsyncGenerator<HistoricalMessage> {
    if (request.batchSize < 0) throw RpcError.invalidArgument('batch_size must not be negative', [{ field: 'batch_size', description: `0 (default ${DEFAULT_BATCH}) to ${MAX_BATCH}` }]);
    const selection = await this.selections.resolve(request.features);
    const source = request.entitySource;
    if (!source) throw RpcError.invalidArgument('no entity rows', [{ field: 'entity_source', description: 'give entity_rows or entity_snapshot_id' }]);
    // Ends what this call opened in ingestion (a snapshot read) however the call ends: done, failed or cancelled.
    const done = new AbortController();
    const onCancel = () => done.abort();
    signal.addEventListener('abort', onCancel);
    let output: OutputDataset | undefined;
    let committed = false;
    try {
      const input = source.$case === 'entityRows' ? this.inline(source.value, selection) : await this.fromSnapshot(source.value, request.eventTimestampColumn, selection, done.signal);
      const names = featureNames(selection, request.fullFeatureNames);
      const selected = selection.views.flatMap((s) => s.features.map((i) => s.view.features[i]));
      const columns = [...input.columns, ...selected.map((f, i) => ({ name: names[i], type: toDataType(f.type), nullable: true }))];
      const featureViews = selection.views.map((s) => ({ name: s.view.name, version: s.version }));
      if (request.outputDataset) {
        output = await this.ingestion.openOutput({
          dataset: request.outputDataset,
          columns,
          timestampColumn: input.timestampColumn,
          entityKeys: selection.views[0].joinKeys,
          labels: {
            feature_views: featureViews.map((v) => `${v.name}@${v.version}`).join(','),
            ...(selection.featureService ? { feature_service: `${selection.featureService.name}@${selection.featureService.version}` } : {}),
          },
        });
      }
      yield { $case: 'header', value: { columns, featureViews, featureService: selection.featureService } };

      const joined = joinInTimeOrder(
        selection.views.map((s) => new PointInTimeJoin(compileView(s.view))),
        selection.views.map((s) => this.offline.events(s.view.name, input.untilMs)),
        input.rows,
      );
      const batchSize = Math.min(request.batchSize || DEFAULT_BATCH, MAX_BATCH);
      const digest = createHash('sha256');
      let batch: commonV1.Row[] = [];
      let startRow = 0;
      for await (const { row, values } of joined) {
        if (signal.aborted) return;
        digest.update(JSON.stringify(row.cells.map(fromValue)));
        const features = selection.views.flatMap((s, v) => s.features.map((i) => toValue(s.view.features[i].type, values[v][i])));
        const cells = [...row.cells, ...features];
        await output?.add(cells);
        batch.push({ values: cells });
        if (batch.length === batchSize) {
          yield { $case: 'rows', value: { startRow, rows: batch } };
          startRow += batch.length;
          batch = [];
        }
      }
      if (batch.length > 0) yield { $case: 'rows', value: { startRow, rows: batch } };
      const outputSnapshotId = (await output?.finish()) ?? '';
      committed = true;
      yield { $case: 'summary', value: { rowCount: startRow + batch.length, entitySetDigest: `sha256:${digest.digest('hex')}`, outputSnapshotId } };
    } catch (error) {
      if (error instanceof EntityRowOrderError) throw outOfOrder(error.rowIndex);
      throw error;
    } finally {
      // A result not written to the end is not written at all (ingestion rolls the stream back).
      if (!committed) output?.abort();
      done.abort();
      signal.removeEventListener('abort', onCancel);
    }
  }

  /** Inline rows are all checked before anything is streamed. */
  private inline(entityRows: featureV1.EntityRows, selection: Selection) {
    const { columns, rows, eventTimestampColumn } = entityRows;
    if (rows.length > this.config.HISTORICAL_MAX_INLINE_ROWS) {
      throw new RpcError(status.RESOURCE_EXHAUSTED, `${rows.length} entity rows inline; at most ${this.config.HISTORICAL_MAX_INLINE_ROWS}`, [{ field: 'entity_rows.rows', description: 'send fewer rows, or name an ingestion snapshot as entity_snapshot_id' }], 'RESOURCE_EXHAUSTED');
    }
    const read = rowReader(columns, eventTimestampColumn, selection, 'entity_rows');
    let previous = Number.NEGATIVE_INFINITY;
    const checked = rows.map((row, index) => {
      const entityRow = read(row.values, index);
      if (entityRow.timeMs < previous) throw outOfOrder(index);
      previous = entityRow.timeMs;
      return entityRow;
    });
    return { columns, rows: checked, untilMs: checked.at(-1)?.timeMs ?? 0, timestampColumn: eventTimestampColumn };
  }

  /** Snapshot rows come in event-time order; they are checked as they stream (a bad row ends the stream with its status). */
  private async fromSnapshot(snapshotId: string, timestampColumn: string, selection: Selection, signal: AbortSignal) {
    const messages = this.ingestion.readSnapshot(snapshotId, signal);
    const first = await messages.next();
    const header = first.done || first.value.message?.$case !== 'header' ? undefined : first.value.message.value;
    if (!header?.snapshot) throw new RpcError(status.INTERNAL, `ingestion sent no header for snapshot "${snapshotId}"`, [], 'INGESTION_FAILED');
    const contract = (await this.contracts.all()).get(header.snapshot.dataset);
    const column = timestampColumn || contract?.eventTimeField || '';
    const read = rowReader(header.columns, column, selection, 'entity_snapshot_id');
    async function* rows(): AsyncGenerator<InputRow> {
      let index = 0;
      for await (const message of messages) {
        if (message.message?.$case !== 'rows') continue;
        for (const row of message.message.value.rows) yield read(row.values, index++);
      }
    }
    // Events up to the snapshot's latest event time cover every row when the timestamp column is the event time.
    const end = header.snapshot.eventTimeRange?.end?.getTime() ?? Date.now();
    return { columns: header.columns, rows: rows(), untilMs: column === contract?.eventTimeField ? end : LATEST_DATE_MS, timestampColumn: column };
  }
}

function outOfOrder(index: number): RpcError {
  return RpcError.invalidArgument(`entity rows must be in ascending timestamp order; row ${index} is earlier than row ${index - 1}`, [{ field: `entity_rows.rows[${index}]`, description: 'sort the rows by their timestamp' }]);
}

/** Checks the columns once and returns what reads (and checks) one row: its time, its key in each view, its cells. */
function rowReader(columns: commonV1.ColumnSchema[], timestampColumn: string, selection: Selection, field: string): (cells: commonV1.FeatureValue[], index: number) => InputRow {
  const position = new Map(columns.map((c, i) => [c.name, i]));
  const timeAt = position.get(timestampColumn);
  if (timeAt === undefined) throw RpcError.invalidArgument(`timestamp column "${timestampColumn}" is not among the entity row columns`, [{ field: `${field}.event_timestamp_column`, description: `one of ${columns.map((c) => c.name).join(', ')}` }]);
  if (columns[timeAt].type !== commonV1.DataType.DATA_TYPE_TIMESTAMP) throw RpcError.invalidArgument(`column "${timestampColumn}" must be a timestamp`, [{ field: `${field}.columns[${timeAt}].type`, description: 'DATA_TYPE_TIMESTAMP' }]);
  const keyColumns = selection.views.map((s) =>
    s.joinKeys.map((key) => {
      const at = position.get(key);
      if (at === undefined) throw RpcError.invalidArgument(`missing entity key "${key}" (join key of feature view "${s.view.name}")`, [{ field: `${field}.columns`, description: `add a column "${key}"` }]);
      return at;
    }),
  );
  return (cells, index) => {
    if (cells.length !== columns.length) throw RpcError.invalidArgument(`entity row ${index} has ${cells.length} values for ${columns.length} columns`, [{ field: `${field}.rows[${index}]`, description: 'one value per column' }]);
    const time = cells[timeAt].kind;
    if (time?.$case !== 'timestampValue' || Number.isNaN(time.value.getTime())) {
      throw RpcError.invalidArgument(`entity row ${index} has no valid timestamp in "${timestampColumn}"`, [{ field: `${field}.rows[${index}].values[${timeAt}]`, description: 'a timestamp value' }]);
    }
    const keys = keyColumns.map((positions, v) => {
      const key = entityKeyOf(positions.map((at) => fromValue(cells[at])));
      if (key === undefined) throw RpcError.invalidArgument(`entity row ${index} has no value for a join key of feature view "${selection.views[v].view.name}"`, [{ field: `${field}.rows[${index}]`, description: `set ${selection.views[v].joinKeys.join(', ')}` }]);
      return key;
    });
    return { index, timeMs: time.value.getTime(), keys, cells };
  };
}
