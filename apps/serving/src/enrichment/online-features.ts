import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import { RpcError, type FieldViolation } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { type commonV1, featureV1 } from '@mlops/proto';
import { type ServingConfig } from '../config';
import { type Enrichment } from '../domain/deployment';
import { scalarsTo, scalarTo } from '../serving.mapper';

/** Online values of one instance as the feature service sent them, and the features that fell back to defaults. */
export interface Enriched {
  values: Record<string, commonV1.FeatureValue>;
  defaulted: string[];
}

const fallbacks = metrics.getMeter('serving').createCounter('serving.enrichment.fallbacks', {
  description: 'Instances whose online features fell back to defaults or failed the request, by model and reason (lookup_failed, missing)',
});

/**
 * Looks up online features for the instances that carry an entity key, one batched call per
 * request, bounded by the deployment's timeout and the caller's deadline. What happens when the
 * lookup fails or a value is missing is the deployment's choice (error or defaults), and counted.
 */
@Injectable()
export class OnlineFeatures implements OnModuleDestroy {
  private readonly client: featureV1.FeatureServiceClient;

  constructor(@Inject(SERVICE_CONFIG) config: ServingConfig) {
    this.client = new featureV1.FeatureServiceClient(config.FEATURE_ADDRESS, credentials.createInsecure());
  }

  onModuleDestroy(): void {
    this.client.close();
  }

  /** One entry per instance, in order; undefined where the instance has no entity key. */
  async enrich(modelName: string, enrichment: Enrichment, keys: ReadonlyArray<commonV1.EntityKey | undefined>, deadline?: Date): Promise<Array<Enriched | undefined>> {
    const wanted = keys.flatMap((key, index) => (key && Object.keys(key.joinKeys).length > 0 ? [{ key, index }] : []));
    const result: Array<Enriched | undefined> = keys.map(() => undefined);
    if (wanted.length === 0) return result;
    let response: featureV1.GetOnlineFeaturesResponse;
    try {
      response = await this.lookup(enrichment, wanted.map((w) => w.key), deadline);
    } catch (error) {
      const details = (error as ServiceError).details || (error as Error).message;
      fallbacks.add(wanted.length, { model: modelName, reason: 'lookup_failed' });
      if (enrichment.fallback === 'error') {
        throw RpcError.unavailable(`online feature lookup in feature service "${enrichment.featureService.name}" failed: ${details}`);
      }
      for (const { index } of wanted) result[index] = { values: scalarsTo(enrichment.defaults), defaulted: Object.keys(enrichment.defaults) };
      return result;
    }
    const violations: FieldViolation[] = [];
    response.results.forEach((row, i) => {
      const { index } = wanted[i];
      const enriched: Enriched = { values: {}, defaulted: [] };
      row.values.forEach((found, f) => {
        const name = response.featureNames[f];
        if (found.status === featureV1.FeatureStatus.FEATURE_STATUS_PRESENT) {
          enriched.values[name] = found.value ?? scalarTo(null);
          return;
        }
        fallbacks.add(1, { model: modelName, reason: 'missing' });
        if (enrichment.fallback === 'error') {
          const why = found.status === featureV1.FeatureStatus.FEATURE_STATUS_OUTSIDE_TTL ? 'its newest value is older than the TTL' : 'there is no value for this entity';
          violations.push({ field: `instances[${index}].entity_key`, description: `online feature "${name}": ${why}` });
          return;
        }
        enriched.values[name] = scalarTo(enrichment.defaults[name] ?? null);
        enriched.defaulted.push(name);
      });
      result[index] = enriched;
    });
    if (violations.length > 0) throw RpcError.invalidArgument(`online features missing: ${violations[0].description}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`, violations);
    return result;
  }

  private lookup(enrichment: Enrichment, entities: commonV1.EntityKey[], deadline?: Date): Promise<featureV1.GetOnlineFeaturesResponse> {
    const budget = Math.min(enrichment.timeoutMs, deadline ? deadline.getTime() - Date.now() : Number.POSITIVE_INFINITY);
    if (budget <= 0) return Promise.reject(new RpcError(status.DEADLINE_EXCEEDED, 'no time left for the online feature lookup'));
    const request = featureV1.GetOnlineFeaturesRequest.fromPartial({
      features: { selection: { $case: 'featureService', value: enrichment.featureService } },
      entities,
    });
    return new Promise((resolve, reject) =>
      this.client.getOnlineFeatures(request, new Metadata(), { deadline: Date.now() + budget }, (error, response) => (error ? reject(error) : resolve(response))),
    );
  }
}
