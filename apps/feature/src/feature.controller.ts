import { Inject, Injectable } from '@nestjs/common';
import { type Metadata, status } from '@grpc/grpc-js';
import { type CallContext, pageOf, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { GrpcController, TRANSACTION_RUNNER } from '@mlops/platform';
import { featureV1 as pb } from '@mlops/proto';
import { SourceContractRepository } from './contracts/source-contract.repository';
import { DefinitionsRepository } from './definitions/definitions.repository';
import { DefinitionsService } from './definitions/definitions.service';
import { type Entity, type FeatureServiceDefinition, type FeatureView, type ValueType } from './domain/definitions';
import * as map from './feature.mapper';
import { MaterializationJobRepository } from './materialization/materialization-job.repository';
import { OnlineService } from './online/online.service';
import { ParityService } from './online/parity.service';
import { HistoricalService } from './retrieval/historical.service';

type Api = ServiceImplementation<typeof pb.FeatureServiceService>;

/** Who is calling: the `x-mlops-actor` metadata until the registry issue brings signed identities. */
const actorOf = (metadata: Metadata) => String(metadata.get('x-mlops-actor')[0] ?? 'anonymous');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The feature gRPC API (proto/mlops/feature/v1): parse the request, call a service, map the answer. */
@Injectable()
@GrpcController(pb.FeatureServiceService)
export class FeatureController implements Api {
  constructor(
    private readonly definitionsService: DefinitionsService,
    private readonly definitions: DefinitionsRepository,
    private readonly contracts: SourceContractRepository,
    private readonly historical: HistoricalService,
    private readonly online: OnlineService,
    private readonly parity: ParityService,
    private readonly jobs: MaterializationJobRepository,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  async applyDefinitions(request: pb.ApplyDefinitionsRequest, ctx: CallContext): Promise<pb.ApplyDefinitionsResponse> {
    const result = await this.definitionsService.apply(request.document, {
      planOnly: request.planOnly,
      confirmIncompatible: request.confirmIncompatible,
      prune: request.prune,
      actor: actorOf(ctx.metadata),
    });
    return { plan: result.plan.map(map.toPlannedChange), hasIncompatibleChanges: result.hasIncompatibleChanges, applied: result.applied };
  }

  async listEntities(request: pb.ListEntitiesRequest): Promise<pb.ListEntitiesResponse> {
    const page = pageOf(request.page);
    const [entities, views, contracts] = await Promise.all([this.definitions.list<Entity>('entity', page.offset, page.limit + 1), this.definitions.applied(), this.contracts.all()]);
    // A join key's type is the type of that field in a dataset a view of the entity reads.
    const types = new Map<string, ValueType>();
    for (const { definition: view } of views.featureViews.values()) for (const [name, type] of contracts.get(view.source)?.fields ?? []) types.set(name, type);
    return { entities: entities.slice(0, page.limit).map((e) => map.toEntity(e, types)), page: page.response(entities.length) };
  }

  async getFeatureView(request: pb.GetFeatureViewRequest): Promise<pb.GetFeatureViewResponse> {
    const view = await this.definitions.find<FeatureView>('feature_view', request.name, request.version);
    if (!view) throw RpcError.notFound(`feature view "${request.name}"${request.version ? ` version ${request.version}` : ''} not found`);
    const contracts = await this.contracts.all();
    return { featureView: map.toFeatureView(view, contracts.get(view.definition.source)?.version ?? '') };
  }

  async listFeatureViews(request: pb.ListFeatureViewsRequest): Promise<pb.ListFeatureViewsResponse> {
    const page = pageOf(request.page);
    const [views, contracts] = await Promise.all([this.definitions.list<FeatureView>('feature_view', 0, 100_000), this.contracts.all()]);
    const matching = views.filter((v) => (!request.entity || v.definition.entities.includes(request.entity)) && (!request.sourceDataset || v.definition.source === request.sourceDataset));
    const shown = matching.slice(page.offset, page.offset + page.limit + 1);
    return { featureViews: shown.slice(0, page.limit).map((v) => map.toFeatureView(v, contracts.get(v.definition.source)?.version ?? '')), page: page.response(shown.length) };
  }

  async getFeatureService(request: pb.GetFeatureServiceRequest): Promise<pb.GetFeatureServiceResponse> {
    const service = await this.definitions.find<FeatureServiceDefinition>('feature_service', request.name, request.version);
    if (!service) throw RpcError.notFound(`feature service "${request.name}"${request.version ? ` version ${request.version}` : ''} not found`);
    return { featureService: map.toFeatureService(service, await this.viewVersions()) };
  }

  async listFeatureServices(request: pb.ListFeatureServicesRequest): Promise<pb.ListFeatureServicesResponse> {
    const page = pageOf(request.page);
    const [services, versions] = await Promise.all([this.definitions.list<FeatureServiceDefinition>('feature_service', page.offset, page.limit + 1), this.viewVersions()]);
    return { featureServices: services.slice(0, page.limit).map((s) => map.toFeatureService(s, versions)), page: page.response(services.length) };
  }

  async *getHistoricalFeatures(request: pb.GetHistoricalFeaturesRequest, ctx: CallContext): AsyncIterable<pb.GetHistoricalFeaturesResponse> {
    for await (const message of this.historical.retrieve(request, ctx.signal)) yield { message };
  }

  getOnlineFeatures(request: pb.GetOnlineFeaturesRequest): Promise<pb.GetOnlineFeaturesResponse> {
    return this.online.lookup(request);
  }

  async materialize(request: pb.MaterializeRequest): Promise<pb.MaterializeResponse> {
    const { start, end } = request.range ?? {};
    if (!start || !end || start >= end) throw RpcError.invalidArgument('materialize needs a time range with start before end', [{ field: 'range', description: 'set start and end, start < end' }]);
    const applied = await this.definitions.applied();
    const online = [...applied.featureViews.values()].filter((v) => v.definition.online).map((v) => v.definition.name);
    const views = request.featureViews.length > 0 ? request.featureViews : online;
    request.featureViews.forEach((name, i) => {
      const view = applied.featureViews.get(name);
      if (!view) throw new RpcError(status.NOT_FOUND, `feature view "${name}" not found`, [{ field: `feature_views[${i}]`, description: 'not an applied feature view' }], 'NOT_FOUND');
      if (!view.definition.online) throw RpcError.invalidArgument(`feature view "${name}" is not online`, [{ field: `feature_views[${i}]`, description: 'set online: true to materialize it' }]);
    });
    if (views.length === 0) throw RpcError.invalidArgument('no online feature views to materialize', [{ field: 'feature_views', description: 'apply a view with online: true first' }]);
    const job = await this.transaction((tx) => this.jobs.enqueue(tx, views, { start, end }));
    return { job: map.toJob(job, await this.viewVersions()) };
  }

  async getMaterializationJob(request: pb.GetMaterializationJobRequest): Promise<pb.GetMaterializationJobResponse> {
    const job = UUID.test(request.jobId) ? await this.jobs.find(request.jobId) : undefined;
    if (!job) throw RpcError.notFound(`materialization job "${request.jobId}" not found`);
    return { job: map.toJob(job, await this.viewVersions()) };
  }

  checkParity(request: pb.CheckParityRequest): Promise<pb.CheckParityResponse> {
    return this.parity.check(request);
  }

  private async viewVersions(): Promise<Map<string, number>> {
    const applied = await this.definitions.applied();
    return new Map([...applied.featureViews].map(([name, v]) => [name, v.version]));
  }
}
