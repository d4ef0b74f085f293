import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { commonV1, type featureV1 } from '@mlops/proto';
import { type FeatureConfig } from '../config';
import { entityKeyOf } from '../domain/definitions';
import { compileView, type EntityRow, joinInTimeOrder, PointInTimeJoin } from '../domain/point-in-time';
import { fromValue, toDataType, toValue } from '../feature.mapper';
import { OfflineStore } from '../offline/offline-store';
import { featureNames, type Selection, SelectionResolver } from './selection';

const DEFAULT_BATCH = 1_000;
const MAX_BATCH = 10_000;

/** What a retrieval streams: a header, row batches in entity-row order, then a summary. */
export type HistoricalMessage = featureV1.GetHistoricalFeaturesResponse['message'];

/**
 * Point-in-time correct retrieval: entity rows (ascending time) joined with each selected view in
 * one pass over the view's events in the offline store, streamed in batches so neither the rows
 * nor the result has to fit in memory.
 */
@Injectable()
export class HistoricalService {
  constructor(
    private readonly selections: SelectionResolver,
    private readonly offline: OfflineStore,
    @Inject(SERVICE_CONFIG) private readonly config: FeatureConfig,
  ) {}

  async *retrieve(request: featureV1.GetHistoricalFeaturesRequest, signal: AbortSignal): AsyncGenerator<NonNullable<HistoricalMessage>> {
    const selection = await this.selections.resolve(request.features);
    const source = request.entitySource;
    if (!source) throw RpcError.invalidArgument('no entity rows', [{ field: 'entity_source', description: 'give entity_rows' }]);
    if (source.$case === 'entitySnapshotId') {
      throw RpcError.invalidArgument('entity rows from an ingestion snapshot are not supported yet', [{ field: 'entity_snapshot_id', description: 'give the rows inline in entity_rows' }]);
    }
    if (request.outputDataset) throw RpcError.invalidArgument('writing the result as a dataset snapshot is not supported yet', [{ field: 'output_dataset', description: 'leave empty' }]);
    const entityRows = source.value;
    const rows = checkEntityRows(entityRows, selection, this.config.HISTORICAL_MAX_INLINE_ROWS);
    const names = featureNames(selection, request.fullFeatureNames);
    const selected = selection.views.flatMap((s) => s.features.map((i) => s.view.features[i]));
    yield {
      $case: 'header',
      value: {
        columns: [...entityRows.columns, ...selected.map((f, i) => ({ name: names[i], type: toDataType(f.type), nullable: true }))],
        featureViews: selection.views.map((s) => ({ name: s.view.name, version: s.version })),
        featureService: selection.featureService,
      },
    };

    const until = rows.length > 0 ? rows[rows.length - 1].timeMs : 0;
    const joined = joinInTimeOrder(
      selection.views.map((s) => new PointInTimeJoin(compileView(s.view))),
      selection.views.map((s) => this.offline.events(s.view.name, until)),
      rows,
    );
    const batchSize = Math.min(request.batchSize || DEFAULT_BATCH, MAX_BATCH);
    const digest = createHash('sha256');
    let batch: commonV1.Row[] = [];
    let startRow = 0;
    for await (const { index, values } of joined) {
      if (signal.aborted) return;
      const input = entityRows.rows[index].values;
      digest.update(JSON.stringify(input.map(fromValue)));
      const features = selection.views.flatMap((s, v) => s.features.map((i) => toValue(s.view.features[i].type, values[v][i])));
      batch.push({ values: [...input, ...features] });
      if (batch.length === batchSize) {
        yield { $case: 'rows', value: { startRow, rows: batch } };
        startRow += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) yield { $case: 'rows', value: { startRow, rows: batch } };
    yield { $case: 'summary', value: { rowCount: rows.length, entitySetDigest: `sha256:${digest.digest('hex')}`, outputSnapshotId: '' } };
  }
}

/** Checks inline entity rows up front and reads their times and keys: a bad row fails the call before anything is streamed. */
function checkEntityRows(entityRows: featureV1.EntityRows, selection: Selection, maxRows: number): EntityRow[] {
  const { columns, rows, eventTimestampColumn } = entityRows;
  if (rows.length > maxRows) throw new RpcError(status.RESOURCE_EXHAUSTED, `${rows.length} entity rows inline; at most ${maxRows}`, [{ field: 'entity_rows.rows', description: `send at most ${maxRows} rows per request` }], 'RESOURCE_EXHAUSTED');
  const position = new Map(columns.map((c, i) => [c.name, i]));
  const timeAt = position.get(eventTimestampColumn);
  if (timeAt === undefined) throw RpcError.invalidArgument(`timestamp column "${eventTimestampColumn}" is not among the entity row columns`, [{ field: 'entity_rows.event_timestamp_column', description: `one of ${columns.map((c) => c.name).join(', ')}` }]);
  if (columns[timeAt].type !== commonV1.DataType.DATA_TYPE_TIMESTAMP) throw RpcError.invalidArgument(`column "${eventTimestampColumn}" must be a timestamp`, [{ field: `entity_rows.columns[${timeAt}].type`, description: 'DATA_TYPE_TIMESTAMP' }]);
  const keyColumns = selection.views.map((s) =>
    s.joinKeys.map((key) => {
      const at = position.get(key);
      if (at === undefined) throw RpcError.invalidArgument(`missing entity key "${key}" (join key of feature view "${s.view.name}")`, [{ field: 'entity_rows.columns', description: `add a column "${key}"` }]);
      return at;
    }),
  );
  let previous = Number.NEGATIVE_INFINITY;
  return rows.map((row, index): EntityRow => {
    if (row.values.length !== columns.length) throw RpcError.invalidArgument(`entity row ${index} has ${row.values.length} values for ${columns.length} columns`, [{ field: `entity_rows.rows[${index}]`, description: 'one value per column' }]);
    const time = row.values[timeAt].kind;
    if (time?.$case !== 'timestampValue' || Number.isNaN(time.value.getTime())) {
      throw RpcError.invalidArgument(`entity row ${index} has no valid timestamp in "${eventTimestampColumn}"`, [{ field: `entity_rows.rows[${index}].values[${timeAt}]`, description: 'a timestamp value' }]);
    }
    const timeMs = time.value.getTime();
    if (timeMs < previous) throw RpcError.invalidArgument(`entity rows must be in ascending timestamp order; row ${index} is earlier than row ${index - 1}`, [{ field: `entity_rows.rows[${index}]`, description: 'sort the rows by their timestamp' }]);
    previous = timeMs;
    const keys = keyColumns.map((positions, v) => {
      const key = entityKeyOf(positions.map((at) => fromValue(row.values[at])));
      if (key === undefined) throw RpcError.invalidArgument(`entity row ${index} has no value for a join key of feature view "${selection.views[v].view.name}"`, [{ field: `entity_rows.rows[${index}]`, description: `set ${selection.views[v].joinKeys.join(', ')}` }]);
      return key;
    });
    return { index, timeMs, keys };
  });
}
