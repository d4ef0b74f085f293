import { Inject, Injectable } from '@nestjs/common';
import { type Identity, type Role, TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { type CallContext, chunksAfterHeader, openingHeader, pageOf, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { commonV1, registryV1 as pb } from '@mlops/proto';
import { ArtifactsService } from './artifacts/artifacts.service';
import { AuditService } from './audit/audit.service';
import { LineageService } from './lineage/lineage.service';
import { RegisteredModelService } from './models/registered-model.service';
import { PromotionService } from './promotions/promotion.service';
import * as map from './registry.mapper';
import { ModelCardService } from './versions/model-card.service';
import { ModelVersionService } from './versions/model-version.service';

type Method = keyof typeof pb.RegistryServiceService;

/** The role each call needs (roles are hierarchical: admin > approver > contributor > viewer). Every method must be listed. */
const REQUIRED_ROLE: Record<Method, Role> = {
  getRegisteredModel: 'viewer', listRegisteredModels: 'viewer', getModelVersion: 'viewer', listModelVersions: 'viewer', getPromotionPolicy: 'viewer',
  getPromotionRequest: 'viewer', listPromotionRequests: 'viewer', getModelCard: 'viewer', downloadArtifact: 'viewer', listAuditLog: 'viewer',
  verifyAuditLog: 'viewer', getLineage: 'viewer',
  createRegisteredModel: 'contributor', createModelVersion: 'contributor', setModelVersionStage: 'contributor', setModelVersionTags: 'contributor',
  setAlias: 'contributor', deleteAlias: 'contributor', requestPromotion: 'contributor', uploadArtifact: 'contributor',
  approvePromotion: 'approver', rejectPromotion: 'approver', rollback: 'approver',
  setPromotionPolicy: 'admin',
};

const required = (value: string, field: string) => {
  if (!value) throw RpcError.invalidArgument(`${field} is required`, [{ field, description: 'is required' }]);
  return value;
};
const positive = (value: number, field: string) => {
  if (!(value > 0)) throw RpcError.invalidArgument(`${field} must be a version number (1 or more)`, [{ field, description: 'a version number, 1 or more' }]);
  return value;
};

/** The registry gRPC API: authenticate, check the role, parse, call a service, map the answer. */
@Injectable()
@GrpcController(pb.RegistryServiceService)
export class RegistryController implements ServiceImplementation<typeof pb.RegistryServiceService> {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly models: RegisteredModelService,
    private readonly versions: ModelVersionService,
    private readonly cards: ModelCardService,
    private readonly promotions: PromotionService,
    private readonly artifacts: ArtifactsService,
    private readonly audit: AuditService,
    private readonly lineage: LineageService,
  ) {}

  private caller(ctx: CallContext, method: Method): Promise<Identity> {
    return this.verifier.authorize(ctx.metadata, REQUIRED_ROLE[method]);
  }

  async createRegisteredModel(request: pb.CreateRegisteredModelRequest, ctx: CallContext): Promise<pb.CreateRegisteredModelResponse> {
    const { subject } = await this.caller(ctx, 'createRegisteredModel');
    const { model, aliases } = await this.models.create(request, subject);
    return { registeredModel: map.modelTo(model, aliases) };
  }

  async getRegisteredModel(request: pb.GetRegisteredModelRequest, ctx: CallContext): Promise<pb.GetRegisteredModelResponse> {
    await this.caller(ctx, 'getRegisteredModel');
    const { model, aliases } = await this.models.get(request.name);
    return { registeredModel: map.modelTo(model, aliases) };
  }

  async listRegisteredModels(request: pb.ListRegisteredModelsRequest, ctx: CallContext): Promise<pb.ListRegisteredModelsResponse> {
    await this.caller(ctx, 'listRegisteredModels');
    const page = pageOf(request.page);
    const found = await this.models.list(request.nameContains, page.offset, page.limit + 1);
    return { registeredModels: found.slice(0, page.limit).map((m) => map.modelTo(m.model, m.aliases)), page: page.response(found.length) };
  }

  async createModelVersion(request: pb.CreateModelVersionRequest, ctx: CallContext): Promise<pb.CreateModelVersionResponse> {
    const { subject } = await this.caller(ctx, 'createModelVersion');
    const { version, created } = await this.versions.register(map.newVersionFrom(request), { actor: subject, createModel: request.createModel ? { task: 0 } : undefined });
    return { modelVersion: map.versionTo(version), created };
  }

  async getModelVersion(request: pb.GetModelVersionRequest, ctx: CallContext): Promise<pb.GetModelVersionResponse> {
    await this.caller(ctx, 'getModelVersion');
    const selector = request.selector;
    if (!selector) throw RpcError.invalidArgument('say which version: a number or an alias', [{ field: 'selector', description: 'set version or alias' }]);
    const version = await this.versions.get(request.modelName, selector.$case === 'version' ? { version: positive(selector.value, 'version') } : { alias: required(selector.value, 'alias') });
    return { modelVersion: map.versionTo(version) };
  }

  async listModelVersions(request: pb.ListModelVersionsRequest, ctx: CallContext): Promise<pb.ListModelVersionsResponse> {
    await this.caller(ctx, 'listModelVersions');
    const page = pageOf(request.page);
    const found = await this.versions.list(request.modelName, page.offset, page.limit + 1);
    return { modelVersions: found.slice(0, page.limit).map(map.versionTo), page: page.response(found.length) };
  }

  async setModelVersionStage(request: pb.SetModelVersionStageRequest, ctx: CallContext): Promise<pb.SetModelVersionStageResponse> {
    const { subject } = await this.caller(ctx, 'setModelVersionStage');
    const stage = map.stageFrom(request.stage);
    if (!stage) throw RpcError.invalidArgument('stage is required', [{ field: 'stage', description: 'NONE, STAGING, PRODUCTION or ARCHIVED' }]);
    return { modelVersion: map.versionTo(await this.versions.setStage(request.modelName, positive(request.version, 'version'), stage, request.reason, subject)) };
  }

  async setModelVersionTags(request: pb.SetModelVersionTagsRequest, ctx: CallContext): Promise<pb.SetModelVersionTagsResponse> {
    const { subject } = await this.caller(ctx, 'setModelVersionTags');
    return { modelVersion: map.versionTo(await this.versions.setTags(request.modelName, positive(request.version, 'version'), request.tags, request.deleteKeys, subject)) };
  }

  async setAlias(request: pb.SetAliasRequest, ctx: CallContext): Promise<pb.SetAliasResponse> {
    const { subject } = await this.caller(ctx, 'setAlias');
    const { model, aliases } = await this.models.setAlias(request.modelName, request.alias, positive(request.version, 'version'), request.reason, subject);
    return { registeredModel: map.modelTo(model, aliases) };
  }

  async deleteAlias(request: pb.DeleteAliasRequest, ctx: CallContext): Promise<pb.DeleteAliasResponse> {
    const { subject } = await this.caller(ctx, 'deleteAlias');
    const { model, aliases } = await this.models.deleteAlias(request.modelName, request.alias, request.reason, subject);
    return { registeredModel: map.modelTo(model, aliases) };
  }

  async setPromotionPolicy(request: pb.SetPromotionPolicyRequest, ctx: CallContext): Promise<pb.SetPromotionPolicyResponse> {
    const { subject } = await this.caller(ctx, 'setPromotionPolicy');
    const content = request.content;
    if (!content) throw RpcError.invalidArgument('send a policy or a document', [{ field: 'content', description: 'set policy or document' }]);
    if (content.$case === 'policy') {
      const unset = map.unsetDirections(content.value);
      if (unset.length > 0) throw RpcError.invalidArgument('invalid promotion policy', unset);
    }
    const stored = await this.promotions.setPolicy(request.modelName, content.$case === 'policy' ? { policy: map.policyFrom(content.value) } : { document: content.value }, subject);
    return { policy: map.policyTo(request.modelName, stored, stored.policy) };
  }

  async getPromotionPolicy(request: pb.GetPromotionPolicyRequest, ctx: CallContext): Promise<pb.GetPromotionPolicyResponse> {
    await this.caller(ctx, 'getPromotionPolicy');
    const { stored, policy } = await this.promotions.policyOf(request.modelName);
    return { policy: map.policyTo(request.modelName, stored, policy) };
  }

  async requestPromotion(request: pb.RequestPromotionRequest, ctx: CallContext): Promise<pb.RequestPromotionResponse> {
    const { subject } = await this.caller(ctx, 'requestPromotion');
    const rollout = request.rollout && request.rollout.kind !== commonV1.RolloutKind.ROLLOUT_KIND_UNSPECIFIED ? map.rolloutFrom(request.rollout) : undefined;
    const promotion = await this.promotions.request(
      { modelName: request.modelName, version: positive(request.version, 'version'), targetAlias: request.targetAlias, reason: request.reason, rollout, requestId: request.requestId || undefined },
      subject,
    );
    return { promotion: map.promotionTo(promotion) };
  }

  async approvePromotion(request: pb.ApprovePromotionRequest, ctx: CallContext): Promise<pb.ApprovePromotionResponse> {
    const { subject } = await this.caller(ctx, 'approvePromotion');
    return { promotion: map.promotionTo(await this.promotions.approve(request.promotionId, subject, request.reason)) };
  }

  async rejectPromotion(request: pb.RejectPromotionRequest, ctx: CallContext): Promise<pb.RejectPromotionResponse> {
    const { subject } = await this.caller(ctx, 'rejectPromotion');
    return { promotion: map.promotionTo(await this.promotions.reject(request.promotionId, subject, request.reason)) };
  }

  async getPromotionRequest(request: pb.GetPromotionRequestRequest, ctx: CallContext): Promise<pb.GetPromotionRequestResponse> {
    await this.caller(ctx, 'getPromotionRequest');
    return { promotion: map.promotionTo(await this.promotions.get(request.promotionId)) };
  }

  async listPromotionRequests(request: pb.ListPromotionRequestsRequest, ctx: CallContext): Promise<pb.ListPromotionRequestsResponse> {
    await this.caller(ctx, 'listPromotionRequests');
    const page = pageOf(request.page);
    const found = await this.promotions.list(request.modelName, map.promotionStateFrom(request.state), page.offset, page.limit + 1);
    return { promotions: found.slice(0, page.limit).map(map.promotionTo), page: page.response(found.length) };
  }

  async rollback(request: pb.RollbackRequest, ctx: CallContext): Promise<pb.RollbackResponse> {
    const { subject } = await this.caller(ctx, 'rollback');
    const result = await this.promotions.rollback({ modelName: request.modelName, alias: request.alias, toVersion: request.toVersion, reason: request.reason }, subject);
    const { model, aliases } = await this.models.get(request.modelName);
    return { ...result, registeredModel: map.modelTo(model, aliases) };
  }

  async getModelCard(request: pb.GetModelCardRequest, ctx: CallContext): Promise<pb.GetModelCardResponse> {
    await this.caller(ctx, 'getModelCard');
    const { markdown, version } = await this.cards.card(request.modelName, positive(request.version, 'version'));
    return { markdown, modelVersion: map.versionTo(version) };
  }

  async uploadArtifact(requests: AsyncIterable<pb.UploadArtifactRequest>, ctx: CallContext): Promise<pb.UploadArtifactResponse> {
    await this.caller(ctx, 'uploadArtifact');
    const { header, rest } = await openingHeader(requests, 'UploadArtifact');
    const stored = await this.artifacts.upload(header, chunksAfterHeader(rest));
    return { artifact: { digest: stored.digest, sizeBytes: stored.sizeBytes, mediaType: header.mediaType, uri: stored.uri }, alreadyExisted: stored.alreadyExisted };
  }

  async *downloadArtifact(request: pb.DownloadArtifactRequest, ctx: CallContext): AsyncGenerator<pb.DownloadArtifactResponse> {
    await this.caller(ctx, 'downloadArtifact');
    const { artifact, chunks } = await this.artifacts.download(request.digest);
    yield { message: { $case: 'artifact', value: artifact } };
    for await (const chunk of chunks) yield { message: { $case: 'chunk', value: Buffer.from(chunk) } };
  }

  async listAuditLog(request: pb.ListAuditLogRequest, ctx: CallContext): Promise<pb.ListAuditLogResponse> {
    await this.caller(ctx, 'listAuditLog');
    const page = pageOf(request.page);
    const filter = { modelName: request.modelName, version: request.version, actor: request.actor, action: request.action, from: request.timeRange?.start, to: request.timeRange?.end };
    if (filter.version && !filter.modelName) throw RpcError.invalidArgument('version needs model_name', [{ field: 'version', description: 'set model_name too' }]);
    const entries = await this.audit.list(filter, page.offset, page.limit + 1);
    return { entries: entries.slice(0, page.limit).map(map.auditEntryTo), page: page.response(entries.length) };
  }

  async verifyAuditLog(request: pb.VerifyAuditLogRequest, ctx: CallContext): Promise<pb.VerifyAuditLogResponse> {
    await this.caller(ctx, 'verifyAuditLog');
    if (request.toSequence && request.toSequence < request.fromSequence) throw RpcError.invalidArgument('to_sequence is before from_sequence', [{ field: 'to_sequence', description: 'at least from_sequence, or 0 for the end' }]);
    return this.audit.verify(request.fromSequence, request.toSequence || undefined);
  }

  async getLineage(request: pb.GetLineageRequest, ctx: CallContext): Promise<pb.GetLineageResponse> {
    await this.caller(ctx, 'getLineage');
    const subject = request.subject;
    if (!subject) throw RpcError.invalidArgument('say where to start: a model version, a snapshot or a run', [{ field: 'subject', description: 'set model_version, snapshot_id or run_id' }]);
    const upstreamOnly = request.direction === pb.LineageDirection.LINEAGE_DIRECTION_DOWNSTREAM && subject.$case === 'modelVersion';
    if (upstreamOnly) throw RpcError.invalidArgument('nothing in the registry is derived from a model version', [{ field: 'direction', description: 'UPSTREAM (or unset) for a model version' }]);
    if (request.direction === pb.LineageDirection.LINEAGE_DIRECTION_UPSTREAM && subject.$case !== 'modelVersion') {
      throw RpcError.invalidArgument('upstream lineage starts at a model version', [{ field: 'direction', description: 'DOWNSTREAM (or unset) for a snapshot or a run' }]);
    }
    const graph =
      subject.$case === 'modelVersion'
        ? await this.lineage.upstream(subject.value.modelName, positive(subject.value.version, 'model_version.version'))
        : await this.lineage.downstream(subject.$case === 'snapshotId' ? { kind: 'snapshot', snapshotId: subject.value } : { kind: 'run', runId: subject.value });
    return map.lineageGraphTo(graph);
  }
}
