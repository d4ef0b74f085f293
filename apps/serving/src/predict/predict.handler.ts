import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type CallContext, type FieldViolation, RpcError } from '@mlops/grpc';
import { type commonV1, type servingV1 as pb } from '@mlops/proto';
import { instancesToFeeds, splitOutputs } from '../domain/tensors';
import { type Enriched, OnlineFeatures } from '../enrichment/online-features';
import { scalarsFrom, tensorValueTo } from '../serving.mapper';
import { Predictor, type Route } from './predictor';
import { requestedOutputs } from './requested-outputs';

interface Prepared {
  enriched: Array<Enriched | undefined>;
  nanPolicy: Route['live']['deployment']['nanPolicy'];
}

/**
 * The typed Predict call: instances of named feature values, optionally enriched with online
 * features by entity key (values the caller sends win over looked-up ones).
 */
@Injectable()
export class PredictHandler {
  constructor(
    private readonly predictor: Predictor,
    private readonly online: OnlineFeatures,
  ) {}

  async predict(request: pb.PredictRequest, ctx: CallContext): Promise<pb.PredictResponse> {
    const requestId = request.requestId || randomUUID();
    const target = {
      modelName: request.modelName, protocol: 'predict' as const, routingKey: request.routingKey || undefined,
      version: request.target?.$case === 'version' ? request.target.value : undefined,
      alias: request.target?.$case === 'alias' ? request.target.value : undefined,
    };
    const keys = request.instances.map((instance) => instance.entityKey);

    const served = await this.predictor.serve(target, requestId, ctx, {
      check: () => this.check(request),
      prepare: async (route): Promise<Prepared> => {
        const { deployment } = route.live;
        if (!deployment.enrichment) {
          const keyed = keys.findIndex((key) => key && Object.keys(key.joinKeys).length > 0);
          if (keyed >= 0) throw RpcError.invalidArgument(`instances[${keyed}].entity_key: the deployment of "${deployment.modelName}" has no online feature enrichment`, [{ field: `instances[${keyed}].entity_key`, description: 'the deployment does not enrich from online features' }]);
          return { enriched: [], nanPolicy: deployment.nanPolicy };
        }
        return { enriched: await this.online.enrich(deployment.modelName, deployment.enrichment, keys, ctx.deadline), nanPolicy: deployment.nanPolicy };
      },
      infer: async (model, prepared) => {
        const instances = request.instances.map(({ features: given }, i) => {
          const looked = prepared.enriched[i];
          if (!looked) return given;
          const merged: Record<string, commonV1.FeatureValue> = {};
          // Only the model's inputs: a feature service may serve more features than one model takes.
          for (const [name, value] of Object.entries(looked.values)) if (model.inputNames.has(name)) merged[name] = value;
          return Object.assign(merged, given);
        });
        const names = requestedOutputs(model, request.outputNames, (i) => `output_names[${i}]`);
        const feeds = instancesToFeeds(model.servable.signature, instances.map(scalarsFrom), prepared.nanPolicy);
        const outputs = splitOutputs(await model.run(feeds, names), names, instances.length);
        return { result: { instances, outputs, enriched: prepared.enriched }, feeds, outputs: () => outputs, entityKeys: keys };
      },
    });

    const { instances, outputs, enriched } = served.result;
    return {
      requestId: served.requestId, modelName: request.modelName, modelVersion: served.route.model.servable.version, arm: served.route.arm,
      predictions: outputs.map((output, i) => ({
        outputs: Object.fromEntries(Object.entries(output).map(([name, value]) => [name, tensorValueTo(value)])),
        features: request.returnFeatures ? instances[i] : {},
        defaultedFeatures: enriched[i]?.defaulted ?? [],
      })),
    };
  }

  private check(request: pb.PredictRequest): void {
    const violations: FieldViolation[] = [];
    if (!request.modelName) violations.push({ field: 'model_name', description: 'is required' });
    if (request.instances.length === 0) violations.push({ field: 'instances', description: 'needs at least one instance' });
    if (request.instances.length > this.predictor.maxBatch) violations.push({ field: 'instances', description: `has ${request.instances.length} instances; at most ${this.predictor.maxBatch} per request` });
    if (request.target?.$case === 'version' && request.target.value < 1) violations.push({ field: 'version', description: 'a version number, 1 or more' });
    if (violations.length > 0) throw RpcError.invalidArgument(`invalid request: ${violations[0].field} ${violations[0].description}`, violations);
  }
}
