import { Injectable } from '@nestjs/common';
import { type CardModel, renderModelCard } from '../domain/model-card';
import { type ModelVersion } from '../domain/model-version';
import { RegisteredModelRepository } from '../models/registered-model.repository';
import { PromotionRepository } from '../promotions/promotion.repository';
import { ModelVersionService } from './model-version.service';

const TASKS: Record<number, string> = { 1: 'binary classification', 2: 'multiclass classification', 3: 'regression' };

/** The generated Markdown model card of a version. */
@Injectable()
export class ModelCardService {
  constructor(
    private readonly models: RegisteredModelRepository,
    private readonly versions: ModelVersionService,
    private readonly promotions: PromotionRepository,
  ) {}

  async card(modelName: string, number: number): Promise<{ markdown: string; version: ModelVersion }> {
    const version = await this.versions.get(modelName, { version: number });
    const model = (await this.models.find(modelName))!;
    const promotions = await this.promotions.ofVersion(modelName, number);
    const cardModel: CardModel = { name: model.name, description: model.description, owner: model.owner, task: TASKS[model.task] ?? 'unspecified' };
    const history = promotions.map((p) => ({
      id: p.id, state: p.state, targetAlias: p.targetAlias, requestedBy: p.requestedBy, requestedAt: p.requestedAt, gateResult: p.gateResult,
      approvedBy: p.approvals.filter((a) => a.decision === 'approve').map((a) => a.actor),
    }));
    return { markdown: renderModelCard(cardModel, version, history), version };
  }
}
