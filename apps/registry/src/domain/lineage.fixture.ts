import { type Lineage } from './model-version';

/** Test data: a lineage with every field set (a feature service with two views, code, configuration). */
export const FULL_LINEAGE: Lineage = {
  trainingRunId: 'run-42',
  experimentId: 'exp-7',
  dataset: 'flights',
  datasetSnapshotId: 'snap-1',
  featureService: { name: 'delay_features', version: 3 },
  featureViews: [
    { name: 'weather', version: 2 },
    { name: 'schedule', version: 5 },
  ],
  entitySetDigest: 'sha256:entities',
  codeCommit: 'abc123',
  codeRepository: 'github.com/acme/ml',
  configDigest: 'sha256:cfg',
  contractVersion: '1.4.0',
};
