import { downstreamGraph, type LineageGraph, upstreamGraph, type VersionLineage } from './lineage';
import { FULL_LINEAGE } from './lineage.fixture';
import { type Lineage } from './model-version';

const noLineage: Lineage = {
  trainingRunId: '', experimentId: '', dataset: '', datasetSnapshotId: '', featureViews: [], entitySetDigest: '', codeCommit: '', codeRepository: '', configDigest: '', contractVersion: '',
};

const full = FULL_LINEAGE;

const version = (n: number, lineage: Partial<Lineage>, modelName = 'flight-delay'): VersionLineage => ({ modelName, version: n, lineage: { ...noLineage, ...lineage } });
const edgeList = (graph: LineageGraph) => graph.edges.map((e) => `${e.fromId} -${e.relation}-> ${e.toId}`);

describe('upstreamGraph', () => {
  it('links a version to its run and the run to its data, features, code and configuration', () => {
    const graph = upstreamGraph(version(4, full));
    expect(graph.nodes).toEqual([
      { id: 'model_version:flight-delay/4', kind: 'MODEL_VERSION', name: 'flight-delay', version: '4', attributes: {} },
      { id: 'training_run:run-42', kind: 'TRAINING_RUN', name: 'run-42', version: '', attributes: { experiment_id: 'exp-7' } },
      { id: 'snapshot:snap-1', kind: 'DATASET_SNAPSHOT', name: 'flights', version: 'snap-1', attributes: { contract_version: '1.4.0', entity_set_digest: 'sha256:entities' } },
      { id: 'feature_service:delay_features/3', kind: 'FEATURE_SERVICE', name: 'delay_features', version: '3', attributes: {} },
      { id: 'feature_view:weather/2', kind: 'FEATURE_VIEW', name: 'weather', version: '2', attributes: {} },
      { id: 'feature_view:schedule/5', kind: 'FEATURE_VIEW', name: 'schedule', version: '5', attributes: {} },
      { id: 'commit:abc123', kind: 'CODE_COMMIT', name: 'github.com/acme/ml', version: 'abc123', attributes: {} },
      { id: 'config:sha256:cfg', kind: 'CONFIG', name: 'training spec', version: 'sha256:cfg', attributes: {} },
    ]);
    expect(edgeList(graph)).toEqual([
      'model_version:flight-delay/4 -produced_by-> training_run:run-42',
      'training_run:run-42 -trained_on-> snapshot:snap-1',
      'training_run:run-42 -uses_features-> feature_service:delay_features/3',
      'feature_service:delay_features/3 -includes-> feature_view:weather/2',
      'feature_service:delay_features/3 -includes-> feature_view:schedule/5',
      'training_run:run-42 -built_from-> commit:abc123',
      'training_run:run-42 -configured_by-> config:sha256:cfg',
    ]);
  });

  it('adds each node and edge once, even when a feature view is listed twice', () => {
    const graph = upstreamGraph(version(4, { ...full, featureViews: [...full.featureViews, { name: 'weather', version: 2 }] }));
    const ids = graph.nodes.map((n) => n.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(ids.length);
    expect(edgeList(graph).filter((e) => e.endsWith('feature_view:weather/2'))).toHaveLength(1);
    expect(graph.edges).toHaveLength(7);
  });

  it('hangs feature views off the run when there is no feature service', () => {
    const graph = upstreamGraph(version(4, { trainingRunId: 'run-42', featureViews: [{ name: 'weather', version: 2 }] }));
    expect(edgeList(graph)).toEqual(['model_version:flight-delay/4 -produced_by-> training_run:run-42', 'training_run:run-42 -includes-> feature_view:weather/2']);
  });

  it('leaves out what was not recorded, and empty attributes', () => {
    const graph = upstreamGraph(version(4, { trainingRunId: 'run-42', dataset: 'flights', datasetSnapshotId: 'snap-1' }));
    expect(graph.nodes.map((n) => [n.kind, n.attributes])).toEqual([
      ['MODEL_VERSION', {}],
      ['TRAINING_RUN', {}],
      ['DATASET_SNAPSHOT', {}],
    ]);
    expect(graph.edges).toHaveLength(2);
  });

  it('yields only the version itself without a run, whatever else is recorded', () => {
    expect(upstreamGraph(version(1, { ...full, trainingRunId: '' }))).toEqual({
      nodes: [{ id: 'model_version:flight-delay/1', kind: 'MODEL_VERSION', name: 'flight-delay', version: '1', attributes: {} }],
      edges: [],
    });
  });
});

describe('downstreamGraph', () => {
  const fromSnapshot = [
    version(1, { trainingRunId: 'run-a', dataset: 'flights', datasetSnapshotId: 'snap-1' }),
    version(2, { trainingRunId: 'run-a', dataset: 'flights', datasetSnapshotId: 'snap-1' }, 'flight-delay-lite'),
    version(3, { trainingRunId: 'run-b', dataset: 'flights', datasetSnapshotId: 'snap-1' }),
  ];

  it('links a snapshot to the two runs trained on it and the three versions they produced', () => {
    const graph = downstreamGraph({ kind: 'snapshot', snapshotId: 'snap-1' }, fromSnapshot);
    expect(graph.nodes.map((n) => `${n.kind} ${n.id}`)).toEqual([
      'DATASET_SNAPSHOT snapshot:snap-1',
      'MODEL_VERSION model_version:flight-delay/1',
      'TRAINING_RUN training_run:run-a',
      'MODEL_VERSION model_version:flight-delay-lite/2',
      'MODEL_VERSION model_version:flight-delay/3',
      'TRAINING_RUN training_run:run-b',
    ]);
    expect(graph.nodes[0]).toEqual({ id: 'snapshot:snap-1', kind: 'DATASET_SNAPSHOT', name: 'flights', version: 'snap-1', attributes: {} });
    expect(edgeList(graph)).toEqual([
      'training_run:run-a -trained_on-> snapshot:snap-1',
      'model_version:flight-delay/1 -produced_by-> training_run:run-a',
      'model_version:flight-delay-lite/2 -produced_by-> training_run:run-a',
      'training_run:run-b -trained_on-> snapshot:snap-1',
      'model_version:flight-delay/3 -produced_by-> training_run:run-b',
    ]);
  });

  it('links a version without a run straight to the snapshot', () => {
    const graph = downstreamGraph({ kind: 'snapshot', snapshotId: 'snap-1' }, [version(5, { datasetSnapshotId: 'snap-1', dataset: 'flights' })]);
    expect(edgeList(graph)).toEqual(['model_version:flight-delay/5 -trained_on-> snapshot:snap-1']);
    expect(graph.nodes).toHaveLength(2);
  });

  it('is the snapshot alone, unnamed, when nothing was derived from it', () => {
    expect(downstreamGraph({ kind: 'snapshot', snapshotId: 'snap-9' }, [])).toEqual({
      nodes: [{ id: 'snapshot:snap-9', kind: 'DATASET_SNAPSHOT', name: '', version: 'snap-9', attributes: {} }],
      edges: [],
    });
  });

  it('links a run to the versions it produced', () => {
    const graph = downstreamGraph({ kind: 'run', runId: 'run-a' }, fromSnapshot.slice(0, 2));
    expect(graph.nodes.map((n) => n.id)).toEqual(['training_run:run-a', 'model_version:flight-delay/1', 'model_version:flight-delay-lite/2']);
    expect(edgeList(graph)).toEqual(['model_version:flight-delay/1 -produced_by-> training_run:run-a', 'model_version:flight-delay-lite/2 -produced_by-> training_run:run-a']);
  });
});
