import { Inject, Injectable } from '@nestjs/common';
import { RpcError } from '@mlops/grpc';
import { type TransactionRunner } from '@mlops/persistence';
import { TRANSACTION_RUNNER } from '@mlops/platform';
import { monitoringV1 as pb } from '@mlops/proto';
import { alertRuleTo, documentRulesFrom, structuredRulesFrom } from '../monitoring.mapper';
import { KnownModels } from '../queries/known-models.query';
import { WindowReporter } from '../reports/window-reporter';
import { MonitoredVersionRepository } from '../versions/monitored-version.repository';
import { ReferenceProfiles } from '../versions/reference-profiles';
import { AlertEvaluator } from './alert-evaluator';
import { AlertRuleRepository } from './alert-rule.repository';

/** SetAlertRules and GetAlertRules: a model's rules, structured or as a document, checked against its features. */
@Injectable()
export class AlertRulesService {
  constructor(
    private readonly rules: AlertRuleRepository,
    private readonly known: KnownModels,
    private readonly versions: MonitoredVersionRepository,
    private readonly profiles: ReferenceProfiles,
    private readonly reporter: WindowReporter,
    private readonly alerts: AlertEvaluator,
    @Inject(TRANSACTION_RUNNER) private readonly transaction: TransactionRunner,
  ) {}

  async set(request: pb.SetAlertRulesRequest, actor: string): Promise<pb.SetAlertRulesResponse> {
    await this.known.require(request.modelName);
    const { content } = request;
    if (!content) {
      const description = 'set rules (structured) or document (YAML or JSON); an empty rule set removes every rule';
      throw RpcError.invalidArgument('no rules given', [{ field: 'rules', description }, { field: 'document', description }]);
    }
    const options = { features: await this.featuresOf(request.modelName) };
    // A rule without a window is evaluated on the standard window, which every model is reported over anyway.
    const rules = content.$case === 'rules' ? structuredRulesFrom(content.value, this.reporter.standardWindow, options) : documentRulesFrom(content.value, this.reporter.standardWindow, options);
    const revision = await this.transaction(async (tx) => {
      const stored = await this.rules.replace(tx, request.modelName, rules, actor);
      await this.alerts.closeOrphaned(tx, request.modelName, rules);
      return stored;
    });
    return { rules: rules.map(alertRuleTo), revision };
  }

  async get(request: pb.GetAlertRulesRequest): Promise<pb.GetAlertRulesResponse> {
    await this.known.require(request.modelName);
    const { rules, revision } = await this.rules.find(request.modelName);
    return { rules: rules.map(alertRuleTo), revision };
  }

  /** The features of the newest version with a reference profile; undefined (features unchecked) when no version has one. */
  private async featuresOf(modelName: string): Promise<ReadonlySet<string> | undefined> {
    const newest = await this.known.newestProfiledVersion(modelName);
    const version = newest === undefined ? undefined : await this.versions.find(modelName, newest);
    const profile = version && (await this.profiles.of(version));
    return profile && new Set(profile.features.map((feature) => feature.name));
  }
}
