import { Injectable } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { RpcError } from '@mlops/grpc';
import { type featureV1 } from '@mlops/proto';
import { type Entity, type Feature, type FeatureServiceDefinition, type FeatureView, viewJoinKeys } from '../domain/definitions';
import { DefinitionsRepository } from '../definitions/definitions.repository';

/** One view of a selection, pinned to a version, with the features asked of it. */
export interface SelectedView {
  view: FeatureView;
  version: number;
  joinKeys: string[];
  /** Indexes into view.features, in output order. */
  features: number[];
}

export interface Selection {
  views: SelectedView[];
  featureService?: { name: string; version: number };
}

const REF = /^([a-z][a-z0-9_]*)(?:@(\d{1,9}))?:([a-z][a-z0-9_]*)$/;

/** Resolves a feature service or a list of `view:feature` / `view@version:feature` references. */
@Injectable()
export class SelectionResolver {
  constructor(private readonly definitions: DefinitionsRepository) {}

  /**
   * One read of the applied definitions per call (a pinned older version costs one more): lookups
   * resolve their selection on every request, so its round trips are part of the online latency.
   */
  async resolve(selection: featureV1.FeatureSelection | undefined): Promise<Selection> {
    const chosen = selection?.selection;
    if (!chosen) throw RpcError.invalidArgument('no features selected', [{ field: 'features', description: 'name a feature service or list feature references' }]);
    const applied = await this.definitions.applied();
    const wanted: { view: string; version: number; features: string[]; field: string }[] = [];
    let featureService: Selection['featureService'];
    if (chosen.$case === 'featureService') {
      const { name, version } = chosen.value;
      const latest = applied.featureServices.get(name);
      const service = version === 0 || version === latest?.version ? latest : await this.definitions.find<FeatureServiceDefinition>('feature_service', name, version);
      if (!service) throw RpcError.notFound(`feature service "${name}"${version ? ` version ${version}` : ''} not found`);
      featureService = { name, version: service.version };
      for (const p of service.definition.projections) wanted.push({ view: p.view, version: 0, features: p.features, field: 'features.feature_service' });
    } else {
      if (chosen.value.refs.length === 0) throw RpcError.invalidArgument('no features selected', [{ field: 'features.features.refs', description: 'list at least one feature' }]);
      chosen.value.refs.forEach((ref, i) => {
        const match = REF.exec(ref);
        if (!match) throw RpcError.invalidArgument(`"${ref}" is not a feature reference`, [{ field: `features.features.refs[${i}]`, description: 'write view:feature or view@version:feature' }]);
        const [, view, version, feature] = match;
        const same = wanted.find((w) => w.view === view && w.version === Number(version ?? 0));
        if (same) same.features.push(feature);
        else wanted.push({ view, version: Number(version ?? 0), features: [feature], field: `features.features.refs[${i}]` });
      });
    }
    const entities = new Map<string, Entity>([...applied.entities].map(([name, e]) => [name, e.definition]));
    const views: SelectedView[] = [];
    for (const w of wanted) {
      const latest = applied.featureViews.get(w.view);
      const found = w.version === 0 || w.version === latest?.version ? latest : await this.definitions.find<FeatureView>('feature_view', w.view, w.version);
      if (!found) throw RpcError.notFound(`feature view "${w.view}"${w.version ? ` version ${w.version}` : ''} not found`);
      const features = w.features.length === 0 ? found.definition.features.map((_f, i) => i) : w.features.map((name) => indexOf(found, name, w.field));
      views.push({ view: found.definition, version: found.version, joinKeys: viewJoinKeys(found.definition, entities), features });
    }
    return { views, featureService };
  }
}

function indexOf(view: { version: number; definition: FeatureView }, name: string, field: string): number {
  const index = view.definition.features.findIndex((f: Feature) => f.name === name);
  if (index < 0) {
    const known = view.definition.features.map((f) => f.name).join(', ');
    throw new RpcError(status.NOT_FOUND, `feature view "${view.definition.name}" (version ${view.version}) has no feature "${name}"`, [{ field, description: `"${name}" is not one of ${known}` }], 'NOT_FOUND');
  }
  return index;
}

/** Output names of the selected features: "feature", or "view__feature" when asked or when names clash. */
export function featureNames(selection: Selection, full: boolean): string[] {
  const names = selection.views.flatMap((s) => s.features.map((i) => ({ view: s.view.name, feature: s.view.features[i].name })));
  const clash = new Set(names.map((n) => n.feature)).size < names.length;
  return names.map((n) => (full || clash ? `${n.view}__${n.feature}` : n.feature));
}
