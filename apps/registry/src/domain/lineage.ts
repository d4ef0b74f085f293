import { type Lineage } from './model-version';

export type NodeKind = 'MODEL_VERSION' | 'TRAINING_RUN' | 'DATASET_SNAPSHOT' | 'FEATURE_SERVICE' | 'FEATURE_VIEW' | 'CODE_COMMIT' | 'CONFIG';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  name: string;
  version: string;
  attributes: Record<string, string>;
}

/** `fromId` was derived from `toId`. */
export interface LineageEdge {
  fromId: string;
  toId: string;
  relation: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface VersionLineage {
  modelName: string;
  version: number;
  lineage: Lineage;
}

const versionNodeId = (modelName: string, version: number) => `model_version:${modelName}/${version}`;
const runNodeId = (runId: string) => `training_run:${runId}`;
const snapshotNodeId = (snapshotId: string) => `snapshot:${snapshotId}`;

/** A graph that adds each node and edge once, keeping the order they were first added in. */
class GraphBuilder {
  private readonly nodes = new Map<string, LineageNode>();
  private readonly edges = new Map<string, LineageEdge>();

  node(node: LineageNode): string {
    if (!this.nodes.has(node.id)) this.nodes.set(node.id, node);
    return node.id;
  }

  edge(fromId: string, toId: string, relation: string): void {
    this.edges.set(`${fromId}|${toId}|${relation}`, { fromId, toId, relation });
  }

  build(): LineageGraph {
    return { nodes: [...this.nodes.values()], edges: [...this.edges.values()] };
  }
}

function versionNode(v: VersionLineage): LineageNode {
  return { id: versionNodeId(v.modelName, v.version), kind: 'MODEL_VERSION', name: v.modelName, version: String(v.version), attributes: {} };
}

/** Everything a version came from: its run, and the run's data, features, code and configuration. */
export function upstreamGraph(subject: VersionLineage): LineageGraph {
  const graph = new GraphBuilder();
  const { lineage } = subject;
  const version = graph.node(versionNode(subject));
  if (!lineage.trainingRunId) return graph.build();
  const run = graph.node({ id: runNodeId(lineage.trainingRunId), kind: 'TRAINING_RUN', name: lineage.trainingRunId, version: '', attributes: lineage.experimentId ? { experiment_id: lineage.experimentId } : {} });
  graph.edge(version, run, 'produced_by');
  if (lineage.datasetSnapshotId) {
    const attributes: Record<string, string> = {};
    if (lineage.contractVersion) attributes.contract_version = lineage.contractVersion;
    if (lineage.entitySetDigest) attributes.entity_set_digest = lineage.entitySetDigest;
    graph.edge(run, graph.node({ id: snapshotNodeId(lineage.datasetSnapshotId), kind: 'DATASET_SNAPSHOT', name: lineage.dataset, version: lineage.datasetSnapshotId, attributes }), 'trained_on');
  }
  let featureService: string | undefined;
  if (lineage.featureService) {
    const { name, version: v } = lineage.featureService;
    featureService = graph.node({ id: `feature_service:${name}/${v}`, kind: 'FEATURE_SERVICE', name, version: String(v), attributes: {} });
    graph.edge(run, featureService, 'uses_features');
  }
  for (const view of lineage.featureViews) {
    const from = featureService ?? run;
    graph.edge(from, graph.node({ id: `feature_view:${view.name}/${view.version}`, kind: 'FEATURE_VIEW', name: view.name, version: String(view.version), attributes: {} }), 'includes');
  }
  if (lineage.codeCommit) {
    graph.edge(run, graph.node({ id: `commit:${lineage.codeCommit}`, kind: 'CODE_COMMIT', name: lineage.codeRepository, version: lineage.codeCommit, attributes: {} }), 'built_from');
  }
  if (lineage.configDigest) {
    graph.edge(run, graph.node({ id: `config:${lineage.configDigest}`, kind: 'CONFIG', name: 'training spec', version: lineage.configDigest, attributes: {} }), 'configured_by');
  }
  return graph.build();
}

export type DownstreamSubject = { kind: 'snapshot'; snapshotId: string } | { kind: 'run'; runId: string };

/**
 * Everything derived from a snapshot or a run: the runs trained on it and the versions they
 * produced. `versions` are the versions whose lineage names the subject (found by the repository).
 */
export function downstreamGraph(subject: DownstreamSubject, versions: VersionLineage[]): LineageGraph {
  const graph = new GraphBuilder();
  const root =
    subject.kind === 'snapshot'
      ? graph.node({ id: snapshotNodeId(subject.snapshotId), kind: 'DATASET_SNAPSHOT', name: versions[0]?.lineage.dataset ?? '', version: subject.snapshotId, attributes: {} })
      : graph.node({ id: runNodeId(subject.runId), kind: 'TRAINING_RUN', name: subject.runId, version: '', attributes: {} });
  for (const v of versions) {
    const version = graph.node(versionNode(v));
    if (subject.kind === 'run') {
      graph.edge(version, root, 'produced_by');
      continue;
    }
    const run = v.lineage.trainingRunId ? graph.node({ id: runNodeId(v.lineage.trainingRunId), kind: 'TRAINING_RUN', name: v.lineage.trainingRunId, version: '', attributes: {} }) : undefined;
    if (run) {
      graph.edge(run, root, 'trained_on');
      graph.edge(version, run, 'produced_by');
    } else {
      graph.edge(version, root, 'trained_on');
    }
  }
  return graph.build();
}
