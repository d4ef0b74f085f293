import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RpcError } from '@mlops/grpc';
import { type featureV1 } from '@mlops/proto';
import { KEY_SEPARATOR } from '../domain/definitions';
import { compileView, type FeatureValue, joinInTimeOrder, PointInTimeJoin } from '../domain/point-in-time';
import { toValue } from '../feature.mapper';
import { OfflineStore } from '../offline/offline-store';
import { SelectionResolver } from '../retrieval/selection';
import { OnlineComputer } from './online-computer';

const MAX_MISMATCHES = 50;

/**
 * Training–serving parity: samples (entity, time) pairs from each selected view, computes every
 * feature as of each time by the offline path (the streaming point-in-time join) and by the online
 * path (PostgreSQL aggregates, as materialization uses), and reports each disagreement. Samples sit
 * at event times and 1 ms after them, where an off-by-one at a window edge would show.
 */
@Injectable()
export class ParityService {
  constructor(
    private readonly selections: SelectionResolver,
    private readonly offline: OfflineStore,
    private readonly computer: OnlineComputer,
    private readonly db: DataSource,
  ) {}

  async check(request: featureV1.CheckParityRequest): Promise<featureV1.CheckParityResponse> {
    if (request.sampleSize < 0 || request.tolerance < 0) throw RpcError.invalidArgument('sample_size and tolerance must not be negative', [{ field: request.sampleSize < 0 ? 'sample_size' : 'tolerance', description: 'must be >= 0' }]);
    const selection = await this.selections.resolve(request.features);
    const sampleSize = request.sampleSize || 200;
    const tolerance = request.tolerance || 1e-9;
    const response: featureV1.CheckParityResponse = { samples: 0, valuesCompared: 0, mismatchCount: 0, mismatches: [] };
    for (const s of selection.views) {
      const drawn = await this.offline.sample(s.view.name, Math.ceil(sampleSize / 2), Number(request.seed));
      const samples = drawn.flatMap((d) => [d, { entityKey: d.entityKey, time: new Date(d.time.getTime() + 1) }]).sort((a, b) => a.time.getTime() - b.time.getTime());
      if (samples.length === 0) continue;
      const offline: FeatureValue[][] = [];
      const joined = joinInTimeOrder(
        [new PointInTimeJoin(compileView(s.view))],
        [this.offline.events(s.view.name, samples[samples.length - 1].time.getTime())],
        samples.map((sample, index) => ({ index, timeMs: sample.time.getTime(), keys: [sample.entityKey] })),
      );
      for await (const { row, values } of joined) offline[row.index] = values[0];
      const online = await this.computer.compute(this.db, s.view, samples.map((sample) => ({ entityKey: sample.entityKey, asOf: sample.time })));
      response.samples += samples.length;
      samples.forEach((sample, n) => {
        for (const i of s.features) {
          const feature = s.view.features[i];
          response.valuesCompared++;
          if (agree(offline[n][i], online[n].values[i], tolerance)) continue;
          response.mismatchCount++;
          if (response.mismatches.length < MAX_MISMATCHES) {
            response.mismatches.push({
              entity: { joinKeys: Object.fromEntries(s.joinKeys.map((k, j) => [k, toValue('string', sample.entityKey.split(KEY_SEPARATOR)[j])])) },
              asOf: sample.time,
              feature: `${s.view.name}:${feature.name}`,
              offlineValue: toValue(feature.type, offline[n][i]),
              onlineValue: toValue(feature.type, online[n].values[i]),
            });
          }
        }
      });
    }
    return response;
  }
}

function agree(a: FeatureValue, b: FeatureValue, tolerance: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}
