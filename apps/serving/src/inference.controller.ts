import { Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { type CallContext, RpcError, type ServiceImplementation } from '@mlops/grpc';
import { GrpcController } from '@mlops/platform';
import { inference } from '@mlops/proto';
import { oipToFeeds, splitOutputs, toOipOutputs } from './domain/tensors';
import { DeploymentService } from './deployments/deployment.service';
import { DeploymentSync } from './deployments/deployment-sync';
import { type LoadedModel } from './runtime/loaded-model';
import { Predictor } from './predict/predictor';
import { requestedOutputs } from './predict/requested-outputs';

const SERVER_NAME = 'mlops-serving';
const SERVER_VERSION = '1';
/** Triton's platform name for ONNX models, which clients display and some switch on. */
const PLATFORM = 'onnxruntime_onnx';

const versionOf = (text: string): number | undefined => {
  if (text === '') return undefined;
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) throw RpcError.invalidArgument(`model_version "${text}" is not a version number`, [{ field: 'model_version', description: 'a version number, 1 or more, or empty for the deployment' }]);
  return version;
};

/** A Buffer view of the same bytes (the generated encoder wants Buffers; no copy). */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const tensorMetadata = (t: { name: string; datatype: string; shape: number[] }) => ({ name: t.name, datatype: t.datatype, shape: t.shape });

/**
 * The Open Inference Protocol (KServe V2, `inference.GRPCInferenceService`) on the serving port, so
 * KServe and Triton clients work unchanged. An empty model_version is routed by the deployment
 * (canary, A/B, shadow) like Predict; the optional `routing_key` parameter makes the assignment sticky.
 */
@Injectable()
@GrpcController(inference.GRPCInferenceServiceService)
export class InferenceController implements ServiceImplementation<typeof inference.GRPCInferenceServiceService> {
  constructor(
    private readonly predictor: Predictor,
    private readonly sync: DeploymentSync,
    private readonly deployments: DeploymentService,
  ) {}

  serverLive(): Promise<inference.ServerLiveResponse> {
    return Promise.resolve({ live: true });
  }

  /** Ready once every stored deployment is live in this replica at its stored revision (loaded and warm). */
  async serverReady(): Promise<inference.ServerReadyResponse> {
    return { ready: this.sync.ready && (await this.deployments.allLive()) };
  }

  serverMetadata(): Promise<inference.ServerMetadataResponse> {
    return Promise.resolve({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [] });
  }

  modelReady(request: inference.ModelReadyRequest): Promise<inference.ModelReadyResponse> {
    const live = this.predictor.deployment(request.name);
    const version = versionOf(request.version) ?? live.deployment.stableVersion;
    return Promise.resolve({ ready: live.models.has(version) });
  }

  modelMetadata(request: inference.ModelMetadataRequest): Promise<inference.ModelMetadataResponse> {
    const model = this.model(request.name, request.version);
    const live = this.predictor.deployment(request.name);
    return Promise.resolve({
      name: request.name, versions: [...live.models.keys()].sort((a, b) => a - b).map(String), platform: PLATFORM,
      inputs: model.servable.signature.inputs.map(tensorMetadata), outputs: model.servable.signature.outputs.map(tensorMetadata),
    });
  }

  async modelInfer(request: inference.ModelInferRequest, ctx: CallContext): Promise<inference.ModelInferResponse> {
    if (!request.modelName) throw RpcError.invalidArgument('model_name is required', [{ field: 'model_name', description: 'is required' }]);
    const routingKey = request.parameters.routing_key?.parameterChoice;
    const target = {
      modelName: request.modelName, version: versionOf(request.modelVersion), protocol: 'oip' as const,
      routingKey: routingKey?.$case === 'stringParam' ? routingKey.value : undefined,
    };
    const asRaw = request.rawInputContents.length > 0;
    const served = await this.predictor.serve(target, request.id, ctx, {
      prepare: (route) => Promise.resolve(route.live.deployment.nanPolicy),
      infer: async (model, nanPolicy) => {
        const { feeds, batchSize } = oipToFeeds(model.servable.signature, request.inputs, request.rawInputContents, nanPolicy);
        if (batchSize > this.predictor.maxBatch) throw RpcError.invalidArgument(`a batch of ${batchSize}; at most ${this.predictor.maxBatch} per request`, [{ field: 'inputs', description: `batch of ${batchSize} exceeds ${this.predictor.maxBatch}` }]);
        const names = requestedOutputs(model, request.outputs.map((o) => o.name), (i) => `outputs[${i}].name`);
        const outputs = await model.run(feeds, names);
        return { result: toOipOutputs(outputs, names, asRaw), feeds, outputs: () => splitOutputs(outputs, names, batchSize) };
      },
    });
    return {
      modelName: request.modelName, modelVersion: String(served.route.model.servable.version), id: served.requestId,
      parameters: { arm: { parameterChoice: { $case: 'stringParam', value: served.route.arm } } },
      outputs: served.result.tensors.map((t) => ({ ...t, parameters: {}, contents: t.contents && { ...t.contents, bytesContents: t.contents.bytesContents.map(asBuffer) } })),
      rawOutputContents: served.result.raw.map(asBuffer),
    };
  }

  private model(name: string, versionText: string): LoadedModel {
    const live = this.predictor.deployment(name);
    const version = versionOf(versionText) ?? live.deployment.stableVersion;
    const model = live.models.get(version);
    if (!model) throw new RpcError(status.NOT_FOUND, `version ${version} of model "${name}" is not deployed`, [{ field: 'version', description: 'not deployed' }], 'VERSION_NOT_DEPLOYED');
    return model;
  }
}
