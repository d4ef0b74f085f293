import { Injectable } from '@nestjs/common';
import { type Metadata } from '@grpc/grpc-js';
import { type CallContext, chunksAfterHeader, openingHeader, pageOf, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { trainingV1 as pb } from '@mlops/proto';
import { PipelineService } from '../pipeline/pipeline.service';
import * as map from './tracking.mapper';
import { TrackingService } from './tracking.service';

/** Who is calling: the `x-mlops-actor` metadata until the registry issue brings signed identities. */
const actorOf = (metadata: Metadata) => String(metadata.get('x-mlops-actor')[0] ?? 'anonymous');

/** The training gRPC API (proto/mlops/training/v1): experiment tracking and the training pipeline. */
@Injectable()
@GrpcController(pb.TrainingServiceService)
export class TrainingController implements ServiceImplementation<typeof pb.TrainingServiceService> {
  constructor(
    private readonly tracking: TrackingService,
    private readonly pipeline: PipelineService,
  ) {}

  async startTrainingRun(request: pb.StartTrainingRunRequest, ctx: CallContext): Promise<pb.StartTrainingRunResponse> {
    return { run: await this.pipeline.start(request, actorOf(ctx.metadata)) };
  }

  async cancelRun(request: pb.CancelRunRequest): Promise<pb.CancelRunResponse> {
    return { run: await this.pipeline.cancel(request.runId, request.reason) };
  }

  watchRun(request: pb.WatchRunRequest, ctx: CallContext): AsyncIterable<pb.WatchRunResponse> {
    return this.pipeline.watch(request.runId, ctx.signal);
  }

  async createExperiment(request: pb.CreateExperimentRequest, ctx: CallContext): Promise<pb.CreateExperimentResponse> {
    return { experiment: map.toExperiment(await this.tracking.createExperiment(request.name, request.description, request.tags, actorOf(ctx.metadata))) };
  }

  async getExperiment(request: pb.GetExperimentRequest): Promise<pb.GetExperimentResponse> {
    const key = request.key;
    if (!key) throw RpcError.invalidArgument('name the experiment by id or by name', [{ field: 'key', description: 'experiment_id or name' }]);
    return { experiment: map.toExperiment(await this.tracking.experiment(key.$case === 'experimentId' ? { id: key.value } : { name: key.value })) };
  }

  async listExperiments(request: pb.ListExperimentsRequest): Promise<pb.ListExperimentsResponse> {
    const page = pageOf(request.page);
    const found = await this.tracking.experiments(request.nameContains, page.offset, page.limit + 1);
    return { experiments: found.slice(0, page.limit).map(map.toExperiment), page: page.response(found.length) };
  }

  async createRun(request: pb.CreateRunRequest, ctx: CallContext): Promise<pb.CreateRunResponse> {
    const run = await this.tracking.createRun(
      request.experimentId,
      { name: request.name, tags: request.tags, startTime: request.startTime, environment: request.environment, codeVersion: request.codeVersion, dataVersion: request.dataVersion, seed: String(request.seed) },
      actorOf(ctx.metadata),
    );
    return { run: map.toRun(run) };
  }

  async endRun(request: pb.EndRunRequest): Promise<pb.EndRunResponse> {
    const outcome = request.status === pb.RunStatus.RUN_STATUS_UNSPECIFIED ? 'SUCCEEDED' : map.statusOf(request.status);
    if (!outcome) throw RpcError.invalidArgument('unknown run status', [{ field: 'status', description: 'SUCCEEDED, FAILED or CANCELLED' }]);
    return { run: map.toRun(await this.tracking.end(request.runId, outcome, request.endTime ?? new Date(), request.failureMessage)) };
  }

  async logParams(request: pb.LogParamsRequest): Promise<pb.LogParamsResponse> {
    await this.tracking.log(request.runId, { params: request.params });
    return {};
  }

  async logMetric(request: pb.LogMetricRequest): Promise<pb.LogMetricResponse> {
    if (!request.metric) throw RpcError.invalidArgument('no metric', [{ field: 'metric', description: 'key, value, step' }]);
    await this.tracking.log(request.runId, { metrics: [map.fromMetric(request.metric, new Date())] });
    return {};
  }

  async logBatch(request: pb.LogBatchRequest): Promise<pb.LogBatchResponse> {
    const now = new Date();
    await this.tracking.log(request.runId, { params: request.params, metrics: request.metrics.map((m) => map.fromMetric(m, now)), tags: request.tags });
    return {};
  }

  async setTags(request: pb.SetTagsRequest): Promise<pb.SetTagsResponse> {
    return { tags: await this.tracking.setTags(request.runId, request.tags, request.deleteKeys) };
  }

  async logArtifact(requests: AsyncIterable<pb.LogArtifactRequest>): Promise<pb.LogArtifactResponse> {
    const { header, rest } = await openingHeader(requests, 'LogArtifact');
    const artifact = await this.tracking.logArtifact(header.runId, header.path, header.mediaType, { sizeBytes: header.sizeBytes, digest: header.expectedDigest }, chunksAfterHeader(rest));
    return { artifact: map.toArtifact(artifact) };
  }

  async getRun(request: pb.GetRunRequest): Promise<pb.GetRunResponse> {
    return { run: await this.pipeline.get(request.runId) };
  }

  async getMetricHistory(request: pb.GetMetricHistoryRequest): Promise<pb.GetMetricHistoryResponse> {
    const page = pageOf(request.page);
    const metrics = await this.tracking.metricHistory(request.runId, request.key, page.offset, page.limit + 1);
    return { metrics: metrics.slice(0, page.limit).map(map.toMetric), page: page.response(metrics.length) };
  }

  async searchRuns(request: pb.SearchRunsRequest): Promise<pb.SearchRunsResponse> {
    const page = pageOf(request.page);
    const runs = await this.tracking.search(request.experimentIds, request.filter, request.orderBy, page.offset, page.limit + 1);
    return { runs: runs.slice(0, page.limit).map(map.toRun), page: page.response(runs.length) };
  }

  async compareRuns(request: pb.CompareRunsRequest): Promise<pb.CompareRunsResponse> {
    const rows = await this.tracking.compare(request.runIds, request.metricKeys, request.paramKeys);
    return { runIds: request.runIds, rows: rows.map(map.toComparisonRow) };
  }
}
