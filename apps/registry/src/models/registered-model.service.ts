import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { Events, OutboxWriter } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor, type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { AuditService } from '../audit/audit.service';
import { ALIAS_NAME } from '../domain/policy';
import { type NewRegisteredModel, type RegisteredModel, validateNewRegisteredModel } from '../domain/registered-model';
import { PolicyRepository } from '../promotions/policy.repository';
import { ModelVersionRepository } from '../versions/model-version.repository';
import { AliasRepository } from './alias.repository';
import { RegisteredModelRepository } from './registered-model.repository';

export interface ModelWithAliases {
  model: RegisteredModel;
  aliases: Record<string, number>;
}

/** Registered models and their free aliases; the governed alias moves only by promotion and rollback. */
@Injectable()
export class RegisteredModelService {
  constructor(
    private readonly models: RegisteredModelRepository,
    private readonly aliases: AliasRepository,
    private readonly versions: ModelVersionRepository,
    private readonly policies: PolicyRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxWriter,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  /** Creates the model, its audit entry and its `registry.model.created` event in one transaction. */
  async create(input: NewRegisteredModel, actor: string): Promise<ModelWithAliases> {
    const violations = validateNewRegisteredModel(input);
    if (violations.length > 0) throw RpcError.invalidArgument('invalid registered model', violations);
    return this.transaction(async (tx) => {
      const created = await this.models.insert(tx, { ...input, owner: input.owner || actor });
      if (!created) throw RpcError.alreadyExists(`registered model "${input.name}" already exists`);
      await this.audit.record(tx, { actor, action: 'registered_model.create', modelName: created.name, reason: created.description, after: { owner: created.owner, task: created.task, tags: created.tags } });
      await this.outbox.enqueue(tx, Events.registeredModelCreated, created);
      return { model: created, aliases: {} };
    });
  }

  async get(name: string, executor?: SqlExecutor): Promise<ModelWithAliases> {
    const model = await this.models.find(name, executor);
    if (!model) throw RpcError.notFound(`registered model "${name}" not found`);
    return { model, aliases: await this.aliases.all(name, executor) };
  }

  async list(nameContains: string, offset: number, limit: number): Promise<ModelWithAliases[]> {
    const models = await this.models.list(nameContains, offset, limit);
    const aliases = await this.aliases.ofModels(models.map((m) => m.name));
    return models.map((model) => ({ model, aliases: aliases.get(model.name)! }));
  }

  async setAlias(modelName: string, alias: string, version: number, reason: string, actor: string): Promise<ModelWithAliases> {
    if (!ALIAS_NAME.test(alias)) throw RpcError.invalidArgument(`"${alias}" is not an alias name`, [{ field: 'alias', description: 'lower-case letters, digits, "_" or "-", starting with a letter (at most 64)' }]);
    return this.transaction(async (tx) => {
      await this.lockUngoverned(tx, modelName, alias);
      if (!(await this.versions.get(modelName, version, tx))) throw RpcError.notFound(`model "${modelName}" has no version ${version}`);
      const from = await this.aliases.versionOf(modelName, alias, tx);
      if (from !== version) {
        await this.aliases.move(tx, { modelName, alias, fromVersion: from, toVersion: version, kind: 'set', actor, reason });
        await this.audit.record(tx, { actor, action: 'alias.set', modelName, version, reason, before: { alias, version: from }, after: { alias, version } });
      }
      return this.get(modelName, tx);
    });
  }

  async deleteAlias(modelName: string, alias: string, reason: string, actor: string): Promise<ModelWithAliases> {
    return this.transaction(async (tx) => {
      await this.lockUngoverned(tx, modelName, alias);
      const from = await this.aliases.versionOf(modelName, alias, tx);
      if (from === 0) throw RpcError.notFound(`model "${modelName}" has no alias "${alias}"`);
      await this.aliases.move(tx, { modelName, alias, fromVersion: from, toVersion: 0, kind: 'delete', actor, reason });
      await this.audit.record(tx, { actor, action: 'alias.delete', modelName, version: from, reason, before: { alias, version: from }, after: null });
      return this.get(modelName, tx);
    });
  }

  /** Locks the model; refuses the alias its promotion policy governs (the default policy governs "champion"). */
  private async lockUngoverned(tx: SqlExecutor, modelName: string, alias: string): Promise<void> {
    if (!(await this.models.lock(tx, modelName))) throw RpcError.notFound(`registered model "${modelName}" not found`);
    const governed = (await this.policies.effective(modelName, tx)).policy.targetAlias;
    if (alias === governed) {
      throw new RpcError(status.FAILED_PRECONDITION, `"${alias}" is governed by the promotion policy of "${modelName}": it moves only by RequestPromotion and Rollback`, [{ field: 'alias', description: 'a free alias, e.g. "challenger"' }], 'GOVERNED_ALIAS');
    }
  }
}
