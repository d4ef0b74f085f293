import { Inject, Injectable } from '@nestjs/common';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { type NewRegisteredModel, type RegisteredModel, validateNewRegisteredModel } from '../domain/registered-model';
import { RegisteredModelRepository } from './registered-model.repository';

@Injectable()
export class RegisteredModelService {
  constructor(
    private readonly models: RegisteredModelRepository,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /** Creates the model and its `registry.model.created` event in one transaction. */
  async create(input: NewRegisteredModel): Promise<RegisteredModel> {
    const violations = validateNewRegisteredModel(input);
    if (violations.length > 0) throw RpcError.invalidArgument('invalid registered model', violations);
    return this.transaction(async (tx) => {
      const created = await this.models.insert(tx, input);
      if (!created) throw RpcError.alreadyExists(`registered model "${input.name}" already exists`);
      await this.outbox.enqueue(tx, Events.registeredModelCreated, created);
      return created;
    });
  }

  async get(name: string): Promise<RegisteredModel> {
    const model = await this.models.find(name);
    if (!model) throw RpcError.notFound(`registered model "${name}" not found`);
    return model;
  }
}
