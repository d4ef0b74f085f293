import { Injectable } from '@nestjs/common';
import { Events } from '@mlops/events';
import { type SqlExecutor } from '@mlops/persistence';
import { OnEvent } from '@mlops/platform';
import { commonV1, type eventsV1 } from '@mlops/proto';
import { type ValueType } from '../domain/definitions';
import { SourceContractRepository } from './source-contract.repository';

const { DataType } = commonV1;
const VALUE_TYPES: Partial<Record<commonV1.DataType, ValueType>> = {
  [DataType.DATA_TYPE_INT]: 'int',
  [DataType.DATA_TYPE_FLOAT]: 'float',
  [DataType.DATA_TYPE_STRING]: 'string',
  [DataType.DATA_TYPE_CATEGORICAL]: 'string',
  [DataType.DATA_TYPE_BOOL]: 'bool',
  [DataType.DATA_TYPE_TIMESTAMP]: 'timestamp',
};

/**
 * Keeps the feature service's view of ingestion's contracts from its events, so definitions are
 * checked against the datasets without reading ingestion's tables or calling it at apply time.
 */
@Injectable()
export class ContractEventsHandler {
  constructor(private readonly contracts: SourceContractRepository) {}

  @OnEvent(Events.contractApplied)
  async onContractApplied(event: eventsV1.ContractApplied, _envelope: unknown, tx: SqlExecutor): Promise<void> {
    await this.contracts.upsert(tx, {
      dataset: event.dataset,
      version: event.version,
      eventTimeField: event.eventTimeField,
      fields: new Map(event.fields.map((f) => [f.name, VALUE_TYPES[f.type] ?? 'string'])),
    });
  }
}
