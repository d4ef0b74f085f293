import { type Command } from 'commander';
import { formatPath } from '@mlops/documents';
import { enumName, monitoringV1 as pb } from '@mlops/proto';
import { type CommandModule } from '../core/context';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { readDocument, readText } from '../core/files';
import { messageType, protoJson } from '../core/proto-json';

const version = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new CliError(`--version must be a version number, got "${value}"`, EXIT.usage);
  return number;
};
const stateName = (state: pb.AlertState) => enumName(pb.AlertState, state, 'ALERT_STATE_').toLowerCase();
const statusName = (status: pb.StatStatus) => enumName(pb.StatStatus, status, 'STAT_STATUS_').toLowerCase();
const methodName = (method: pb.DriftMethod) => enumName(pb.DriftMethod, method, 'DRIFT_METHOD_').toLowerCase();
const window = (range: { start?: Date; end?: Date } | undefined) => `${range?.start?.toISOString() ?? '?'} .. ${range?.end?.toISOString() ?? '?'}`;

/** `mlops drift`, `alerts`, `rules`, `policy`, `labels`: the monitoring service. */
export const monitoringCommands: CommandModule = (program, context) => {
  const scoped = (command: Command) => command.option('--version <n>', 'model version (default: the stable one)', version, 0).option('--arm <arm>', 'deployment arm (default: stable)', '');
  const ruleWindows = (command: Command) => command.option('--rule <name>', "the windows of this alert rule (e.g. one counting predictions) instead of the standard window", '');

  ruleWindows(scoped(program.command('drift <model>').description("the latest report of a model version: each feature's drift, quality, performance and operations"))).action(async (model: string, o: { version: number; arm: string; rule: string }) => {
    const { platform, out } = context();
    const { report } = await platform.rpc('monitoring', 'getLatestReport', { modelName: model, modelVersion: o.version, arm: o.arm, rule: o.rule });
    if (!report) throw new CliError(`no report for "${model}"`, EXIT.notFound);
    if (out.json) return out.record({}, pb.Report.toJSON(report));
    out.record({
      model: `${report.modelName} v${report.modelVersion} (${report.arm})`, window: window(report.window), predictions: report.predictionCount,
      'drift share': report.driftShare, 'dataset drift': report.datasetDrift,
      performance: report.performance?.status === pb.StatStatus.STAT_STATUS_OK ? report.performance.metrics : `insufficient data (${report.performance?.labelledCount ?? 0} labelled)`,
      operations: report.operations && `${report.operations.requestCount} requests, error rate ${report.operations.errorRate}, p99 ${report.operations.latencyP99Ms} ms`,
    });
    out.say('');
    const drifts = [...report.featureDrift, ...(report.predictionDrift ? [report.predictionDrift] : [])];
    out.table(drifts, {
      feature: (d) => d.feature, method: (d) => methodName(d.method), statistic: (d) => d.statistic, 'p-value': (d) => d.pValue, threshold: (d) => d.threshold,
      status: (d) => statusName(d.status), current: (d) => d.currentSize, reference: (d) => d.referenceSize,
    });
  });

  ruleWindows(scoped(program.command('drift-history <model> <feature>').description('one feature\'s drift per window ("__prediction__" for the prediction)'))).action(async (model: string, feature: string, o: { version: number; arm: string; rule: string }) => {
    const { platform, out } = context();
    const { points } = await platform.rpc('monitoring', 'getFeatureDriftHistory', pb.GetFeatureDriftHistoryRequest.fromPartial({ modelName: model, modelVersion: o.version, arm: o.arm, feature, rule: o.rule, page: { pageSize: 1000 } }));
    out.table(points, { window: (p) => window(p.window), method: (p) => p.drift && methodName(p.drift.method), statistic: (p) => p.drift?.statistic, 'p-value': (p) => p.drift?.pValue, status: (p) => p.drift && statusName(p.drift.status), current: (p) => p.drift?.currentSize }, points.map((p) => pb.DriftPoint.toJSON(p)));
  });

  program
    .command('alerts [model]')
    .description('alerts, newest first (pending, firing, resolved)')
    .option('--state <states>', 'comma-separated: pending, firing, resolved')
    .action(async (model: string | undefined, o: { state?: string }) => {
      const { platform, out } = context();
      const states = (o.state ?? '').split(',').filter(Boolean).map((s) => {
        const state = pb.AlertState[`ALERT_STATE_${s.trim().toUpperCase()}` as keyof typeof pb.AlertState] as pb.AlertState | undefined;
        if (state === undefined) throw new CliError(`--state: unknown state "${s}" (pending, firing, resolved)`, EXIT.usage);
        return state;
      });
      const { alerts } = await platform.rpc('monitoring', 'listAlerts', pb.ListAlertsRequest.fromPartial({ modelName: model ?? '', states }));
      out.table(alerts, { state: (a) => stateName(a.state), rule: (a) => a.ruleName, model: (a) => `${a.modelName} v${a.modelVersion} ${a.arm}`, since: (a) => a.pendingSince, fired: (a) => a.firedAt, message: (a) => a.message }, alerts.map((a) => pb.Alert.toJSON(a)));
    });

  const rules = program.command('rules').description("a model's alert rules");
  rules
    .command('apply <model> <file>')
    .description('replace the rules with a YAML or JSON document (see apps/monitoring/README.md, "Alert rules")')
    .action(async (model: string, file: string) => {
      const { platform, out } = context();
      const document = readText(file);
      const answer = await platform.rpc('monitoring', 'setAlertRules', { modelName: model, content: { $case: 'document', value: document } }, { auth: true });
      out.say(`${answer.rules.length} rules stored for "${model}", revision ${answer.revision}`);
      if (out.json) out.record({}, pb.SetAlertRulesResponse.toJSON(answer));
    });
  rules
    .command('show <model>')
    .description('the rules and their revision')
    .action(async (model: string) => {
      const { platform, out } = context();
      const answer = await platform.rpc('monitoring', 'getAlertRules', { modelName: model });
      out.table(answer.rules, { name: (r) => r.name, metric: (r) => r.metric, threshold: (r) => r.threshold, for: (r) => r.forDuration && `${r.forDuration.seconds}s`, severity: (r) => enumName(pb.Severity, r.severity, 'SEVERITY_').toLowerCase() }, pb.GetAlertRulesResponse.toJSON(answer));
    });

  const policy = program.command('policy').description("a model's retraining and canary policy");
  policy
    .command('apply <model> <file>')
    .description('set it from a YAML or JSON document: the RetrainPolicy message (durations like 1h or 3600s)')
    .action(async (model: string, file: string) => {
      const { platform, out } = context();
      const document = readDocument(file);
      if (typeof document !== 'object' || document === null) throw new CliError(`${file}: expected a retrain policy (enabled, trigger_rules, cooldown, ...)`, EXIT.dataError);
      // Checked field by field: fromJSON alone would drop a misspelt key and read "1h" as 0 seconds.
      const { json, problems } = protoJson(messageType('mlops.monitoring.v1.RetrainPolicy'), { ...document, model_name: model });
      if (problems.length > 0) throw new CliError(`${file}: ${problems.slice(0, 5).map((p) => `${formatPath(p.path)}: ${p.message}`).join('; ')}`, EXIT.dataError);
      const given = pb.RetrainPolicy.fromJSON(json);
      const answer = await platform.rpc('monitoring', 'setRetrainPolicy', { policy: given }, { auth: true });
      out.say(`policy of "${model}" stored, revision ${answer.policy?.revision ?? '?'}`);
      if (out.json) out.record({}, pb.SetRetrainPolicyResponse.toJSON(answer));
    });
  policy
    .command('show <model>')
    .action(async (model: string) => {
      const { platform, out } = context();
      const answer = await platform.rpc('monitoring', 'getRetrainPolicy', { modelName: model });
      if (!answer.policy) throw new CliError(`no policy for "${model}"`, EXIT.notFound);
      out.document(pb.RetrainPolicy.toJSON(answer.policy));
    });

  scoped(program.command('labels <model>').description('label coverage: predictions joined to their ground truth, pending, expired, unmatched labels')).action(async (model: string, o: { version: number; arm: string }) => {
    const { platform, out } = context();
    const answer = await platform.rpc('monitoring', 'getLabelCoverage', pb.GetLabelCoverageRequest.fromPartial({ modelName: model, modelVersion: o.version, arm: o.arm }));
    out.record(
      { predictions: answer.predictions, labelled: answer.labelled, coverage: answer.coverage, pending: answer.pending, expired: answer.expired, 'unmatched labels': answer.unmatchedLabels, 'median delay': answer.medianLabelDelay && `${answer.medianLabelDelay.seconds}s` },
      pb.GetLabelCoverageResponse.toJSON(answer),
    );
  });
};
