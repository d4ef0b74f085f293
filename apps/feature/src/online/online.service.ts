import { Inject, Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { SERVICE_CONFIG } from '@mlops/platform';
import { type commonV1, featureV1 as pb } from '@mlops/proto';
import { type FeatureConfig } from '../config';
import { entityKeyOf } from '../domain/definitions';
import { fromValue, toValue } from '../feature.mapper';
import { featureNames, SelectionResolver } from '../retrieval/selection';
import { OnlineStoreRepository } from './online-store.repository';

const { FeatureStatus } = pb;
const MISSING: pb.OnlineFeatureValue = { value: { kind: { $case: 'nullValue', value: 0 } }, status: FeatureStatus.FEATURE_STATUS_MISSING, eventTimestamp: undefined };

/** Online lookups: one indexed read per view for all the entities of a call. */
@Injectable()
export class OnlineService {
  constructor(
    private readonly selections: SelectionResolver,
    private readonly store: OnlineStoreRepository,
    @Inject(SERVICE_CONFIG) private readonly config: FeatureConfig,
  ) {}

  async lookup(request: pb.GetOnlineFeaturesRequest, now = new Date()): Promise<pb.GetOnlineFeaturesResponse> {
    if (request.entities.length === 0) throw RpcError.invalidArgument('no entities to look up', [{ field: 'entities', description: 'give at least one entity' }]);
    if (request.entities.length > this.config.ONLINE_MAX_ENTITIES) {
      throw new RpcError(status.RESOURCE_EXHAUSTED, `${request.entities.length} entities in one call; at most ${this.config.ONLINE_MAX_ENTITIES}`, [{ field: 'entities', description: `split into calls of at most ${this.config.ONLINE_MAX_ENTITIES}` }], 'RESOURCE_EXHAUSTED');
    }
    const selection = await this.selections.resolve(request.features);
    const perView = await Promise.all(
      selection.views.map(async (s) => {
        const keys = request.entities.map((entity, i) => keyOf(entity, s.joinKeys, i, s.view.name));
        const stored = await this.store.read(s.view.name, [...new Set(keys)]);
        return keys.map((key): pb.OnlineFeatureValue[] => {
          const row = stored.get(key);
          return s.features.map((i) => {
            const feature = s.view.features[i];
            if (!row || !(feature.name in row.values)) return MISSING;
            // The TTL bounds row-level values, as offline; window values are bounded by their windows.
            const rowLevel = feature.transformation.kind !== 'aggregation';
            if (rowLevel && s.view.ttlSeconds > 0 && now.getTime() - row.eventTime.getTime() > s.view.ttlSeconds * 1000) {
              return { value: toValue(feature.type, null), status: FeatureStatus.FEATURE_STATUS_OUTSIDE_TTL, eventTimestamp: row.eventTime };
            }
            return { value: toValue(feature.type, row.values[feature.name]), status: FeatureStatus.FEATURE_STATUS_PRESENT, eventTimestamp: row.eventTime };
          });
        });
      }),
    );
    return {
      featureNames: featureNames(selection, request.fullFeatureNames),
      results: request.entities.map((entity, e) => ({ entity, values: perView.flatMap((values) => values[e]) })),
    };
  }
}

function keyOf(entity: commonV1.EntityKey, joinKeys: string[], index: number, view: string): string {
  const missing = joinKeys.filter((k) => !(k in entity.joinKeys));
  if (missing.length > 0) {
    throw RpcError.invalidArgument(`entity ${index} lacks join key(s) ${missing.join(', ')} of feature view "${view}"`, missing.map((k) => ({ field: `entities[${index}].join_keys.${k}`, description: 'required' })));
  }
  const key = entityKeyOf(joinKeys.map((k) => fromValue(entity.joinKeys[k])));
  if (key === undefined) throw RpcError.invalidArgument(`entity ${index} has a null join key`, [{ field: `entities[${index}].join_keys`, description: 'join keys must not be null' }]);
  return key;
}
