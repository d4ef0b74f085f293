import { commonV1, durationFromMs, monitoringV1 as pb } from '@mlops/proto';
import { type DriftMethod } from '../domain/drift/method-selection';
import { type WindowPerformance } from '../domain/performance/performance';
import { type FeatureDriftResult, type WindowReport } from '../domain/report/window-report';
import { type WindowSpec } from '../domain/windows/window-spec';

const METHODS: Record<DriftMethod, pb.DriftMethod> = {
  ks: pb.DriftMethod.DRIFT_METHOD_KOLMOGOROV_SMIRNOV,
  psi: pb.DriftMethod.DRIFT_METHOD_PSI,
  jensen_shannon: pb.DriftMethod.DRIFT_METHOD_JENSEN_SHANNON,
  chi_squared: pb.DriftMethod.DRIFT_METHOD_CHI_SQUARED,
  wasserstein: pb.DriftMethod.DRIFT_METHOD_WASSERSTEIN,
  z_test: pb.DriftMethod.DRIFT_METHOD_Z_TEST,
};

export const driftMethodTo = (method: DriftMethod): pb.DriftMethod => METHODS[method];

export function windowSpecTo(spec: WindowSpec): pb.WindowSpec {
  const kind = spec.kind === 'tumbling' ? pb.WindowKind.WINDOW_KIND_TUMBLING : pb.WindowKind.WINDOW_KIND_SLIDING;
  if (spec.by === 'count') return { kind, size: { $case: 'count', value: spec.size }, slide: undefined, slideCount: spec.slide };
  return { kind, size: { $case: 'duration', value: durationFromMs(spec.sizeMs) }, slide: durationFromMs(spec.slideMs), slideCount: 0 };
}


/** statistic for every method (test statistic or distance), pValue for tests only; neither when there was too little data. */
export function driftResultTo({ feature, kind, drift }: FeatureDriftResult): pb.DriftResult {
  const common = {
    feature, type: kind === 'numeric' ? commonV1.DataType.DATA_TYPE_FLOAT : commonV1.DataType.DATA_TYPE_CATEGORICAL,
    referenceSize: drift.referenceSize, currentSize: drift.currentSize,
  };
  if (drift.status !== 'ok') return { ...common, method: pb.DriftMethod.DRIFT_METHOD_UNSPECIFIED, status: pb.StatStatus.STAT_STATUS_INSUFFICIENT_DATA, threshold: 0 };
  return {
    ...common, method: driftMethodTo(drift.method), status: drift.drifted ? pb.StatStatus.STAT_STATUS_DRIFT : pb.StatStatus.STAT_STATUS_OK,
    statistic: drift.statistic, pValue: drift.pValue, threshold: drift.threshold,
  };
}

export interface ReportIdentity {
  reportId: string;
  modelName: string;
  version: number;
  arm: string;
  windowSpec: WindowSpec;
  start: Date;
  end: Date;
  generatedAt: Date;
}

export function reportTo(id: ReportIdentity, report: WindowReport): pb.Report {
  const { performance: perf, operations: ops } = report;
  return {
    reportId: id.reportId, modelName: id.modelName, modelVersion: id.version, arm: id.arm,
    window: { start: id.start, end: id.end }, windowSpec: windowSpecTo(id.windowSpec),
    predictionCount: report.predictionCount,
    featureDrift: report.featureDrift.map(driftResultTo),
    predictionDrift: report.predictionDrift && driftResultTo(report.predictionDrift),
    driftShare: report.driftShare ?? 0,
    datasetDrift: report.datasetDrift ?? false,
    quality: report.quality.columns.map((c) => ({
      feature: c.name, count: c.count, nullRate: c.nullRate,
      outOfRangeRate: c.count === 0 ? 0 : c.outOfRange / c.count,
      unseenCategoryRate: c.unseen === undefined || c.count === 0 ? 0 : c.unseen / c.count,
      schemaViolations: c.typeViolations,
    })),
    performance: performanceTo(perf),
    operations: {
      requestCount: ops.requestCount, errorCount: ops.errorCount, errorRate: ops.errorRate, throughput: ops.throughput,
      latencyP50Ms: ops.latencyP50Ms ?? 0, latencyP90Ms: ops.latencyP90Ms ?? 0, latencyP99Ms: ops.latencyP99Ms ?? 0, errorsByCode: ops.errorsByCode,
    },
    generatedAt: id.generatedAt,
  };
}

export function performanceTo(performance: WindowPerformance): pb.PerformanceResult {
  return {
    status: performance.status === 'ok' ? pb.StatStatus.STAT_STATUS_OK : pb.StatStatus.STAT_STATUS_INSUFFICIENT_DATA,
    labelledCount: performance.labelledCount, metrics: performance.metrics,
    slices: performance.slices.map((s) => ({ feature: s.feature, value: s.value, count: s.count, metrics: s.metrics })),
  };
}
