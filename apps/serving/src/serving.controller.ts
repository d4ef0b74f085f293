import { Inject, Injectable } from '@nestjs/common';
import { type Role, TOKEN_VERIFIER, TokenVerifier } from '@mlops/auth';
import { type CallContext, pageOf, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { servingV1 as pb } from '@mlops/proto';
import { DeploymentService } from './deployments/deployment.service';
import { armsOf } from './domain/deployments';
import { PredictHandler } from './predict/predict.handler';
import { ModelPool } from './runtime/model-pool';
import { deploymentSpecFrom, deploymentTo } from './serving.mapper';

type ControlMethod = Exclude<keyof typeof pb.ServingServiceService, 'predict'>;

/**
 * The role each deployment call needs. SetDeployment is admin's: it can put any registered version
 * in front of traffic, past the registry's gates and approvals. Predict, like the Open Inference
 * Protocol, takes no token (the inference port is protected at the network, as KServe does).
 */
const REQUIRED_ROLE: Record<ControlMethod, Role> = { getDeployment: 'viewer', listDeployments: 'viewer', setDeployment: 'admin' };

const LOAD_STATE: Record<string, pb.LoadState> = {
  loading: pb.LoadState.LOAD_STATE_LOADING, ready: pb.LoadState.LOAD_STATE_READY, failed: pb.LoadState.LOAD_STATE_FAILED, draining: pb.LoadState.LOAD_STATE_DRAINING,
};

/** The typed serving API: Predict, and deployment control behind a token. */
@Injectable()
@GrpcController(pb.ServingServiceService)
export class ServingController implements ServiceImplementation<typeof pb.ServingServiceService> {
  constructor(
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    private readonly predictions: PredictHandler,
    private readonly deployments: DeploymentService,
    private readonly pool: ModelPool,
  ) {}

  predict(request: pb.PredictRequest, ctx: CallContext): Promise<pb.PredictResponse> {
    return this.predictions.predict(request, ctx);
  }

  async getDeployment(request: pb.GetDeploymentRequest, ctx: CallContext): Promise<pb.GetDeploymentResponse> {
    await this.verifier.authorize(ctx.metadata, REQUIRED_ROLE.getDeployment);
    const deployment = await this.deployments.get(request.modelName);
    if (!deployment) throw RpcError.notFound(`model "${request.modelName}" has no deployment`);
    const arms = armsOf(deployment).map(({ arm, version }) => {
      const loaded = this.pool.statusOf(request.modelName, version);
      return {
        arm, version, state: loaded ? LOAD_STATE[loaded.state] : pb.LoadState.LOAD_STATE_UNSPECIFIED, artifactDigest: loaded?.digest ?? '',
        error: loaded?.error ?? '', loadedAt: loaded?.loadedAt,
      };
    });
    // The stored revision may be ahead of this replica's while it loads; the arms say what is loaded here.
    return { deployment: deploymentTo(deployment), arms };
  }

  async setDeployment(request: pb.SetDeploymentRequest, ctx: CallContext): Promise<pb.SetDeploymentResponse> {
    const { subject } = await this.verifier.authorize(ctx.metadata, REQUIRED_ROLE.setDeployment);
    if (!request.deployment) throw RpcError.invalidArgument('deployment is required', [{ field: 'deployment', description: 'is required' }]);
    if (!request.reason.trim()) throw RpcError.invalidArgument('reason is required: it is recorded and sent with `deployment changed`', [{ field: 'reason', description: 'is required' }]);
    const stored = await this.deployments.set(deploymentSpecFrom(request.deployment), request.expectedRevision, request.reason, subject, ctx.metadata);
    return { deployment: deploymentTo(stored) };
  }

  async listDeployments(request: pb.ListDeploymentsRequest, ctx: CallContext): Promise<pb.ListDeploymentsResponse> {
    await this.verifier.authorize(ctx.metadata, REQUIRED_ROLE.listDeployments);
    const page = pageOf(request.page);
    const found = await this.deployments.list(page.offset, page.limit + 1);
    return { deployments: found.slice(0, page.limit).map(deploymentTo), page: page.response(found.length) };
  }
}
