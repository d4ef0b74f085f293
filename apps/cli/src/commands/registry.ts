import { commonV1, enumName, msFromDuration, registryV1 as pb } from '@mlops/proto';
import { type CommandModule } from '../core/context';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { type Output } from '../core/output';
import { type Platform } from '../core/platform';
import { readText } from '../core/files';
import { compact, durationOf, parseDuration } from '../core/proto-json';

// Every registry call carries a token: reads need `viewer`, models/versions/promotion requests
// `contributor`, approvals, rejections and rollbacks `approver` (and an identity other than the
// requester's: `--subject` for a locally signed token).
const AUTH = { auth: true } as const;

const stageName = (stage: pb.ModelStage) => enumName(pb.ModelStage, stage, 'MODEL_STAGE_').toLowerCase();
const taskName = (task: commonV1.TaskType) => enumName(commonV1.TaskType, task, 'TASK_TYPE_').toLowerCase();
const stateName = (state: pb.PromotionState) => enumName(pb.PromotionState, state, 'PROMOTION_STATE_').toLowerCase();
export const rolloutKindName = (kind: commonV1.RolloutKind) => enumName(commonV1.RolloutKind, kind, 'ROLLOUT_KIND_').toLowerCase().replace('_', '-');

/** `champion=3 challenger=4`. */
export const aliasList = (aliases: Record<string, number>) =>
  Object.entries(aliases)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([alias, version]) => `${alias}=${version}`)
    .join(' ');

/** Metrics people look at first, in this order; the rest follow alphabetically. */
const HEADLINE_METRICS = ['roc_auc', 'rmse', 'log_loss', 'accuracy', 'f1', 'r2', 'mae', 'latency_p99_ms'];

/** A version's metrics in one short cell: the headline ones first, `roc_auc=0.7123 log_loss=0.4501`. */
export function metricsSummary(metrics: Record<string, number>, limit = 3): string {
  const rank = (key: string) => (HEADLINE_METRICS.includes(key) ? HEADLINE_METRICS.indexOf(key) : HEADLINE_METRICS.length);
  const keys = Object.keys(metrics)
    .filter((k) => !k.startsWith('slice.') && !k.startsWith('trainer.'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const shown = keys.slice(0, limit).map((k) => `${k}=${Number.isInteger(metrics[k]) ? metrics[k] : metrics[k].toPrecision(4)}`);
  return [...shown, ...(keys.length > limit ? [`(+${keys.length - limit})`] : [])].join(' ');
}

/** A version argument: a number, or (where `alias` is allowed) an alias such as champion. */
export function versionSelector(value: string, allowAlias = true): { $case: 'version'; value: number } | { $case: 'alias'; value: string } {
  if (/^\d+$/.test(value)) {
    const version = Number(value);
    if (version >= 1) return { $case: 'version', value: version };
  }
  if (allowAlias && /^[A-Za-z][\w.-]*$/.test(value)) return { $case: 'alias', value };
  throw new CliError(`"${value}" is not a version number (1 or more)${allowAlias ? ' or an alias' : ''}`, EXIT.usage);
}

/** A version number, resolving an alias with GetModelVersion. */
async function versionNumber(platform: Platform, model: string, value: string): Promise<number> {
  const selector = versionSelector(value);
  if (selector.$case === 'version') return selector.value;
  const { modelVersion } = await platform.rpc('registry', 'getModelVersion', { modelName: model, selector }, AUTH);
  if (!modelVersion) throw new CliError(`${model}: alias "${value}" points at no version`, EXIT.notFound);
  return modelVersion.version;
}

/** A traffic share strictly between 0 and 1 (`0.1`), or `10%`. */
export function fraction(value: string, flag: string): number {
  const percent = value.trim().endsWith('%');
  const number = Number(percent ? value.trim().slice(0, -1) : value) / (percent ? 100 : 1);
  if (!Number.isFinite(number) || number <= 0 || number > 1) throw new CliError(`${flag} must be a share of traffic above 0 and at most 1 (e.g. 0.1 or 10%), got "${value}"`, EXIT.usage);
  return number;
}

export interface PromoteOptions {
  alias?: string;
  reason?: string;
  rollout?: string;
  canary?: string;
  steps?: string;
  stepInterval?: string;
  requestId?: string;
}

const ROLLOUT_KINDS: Record<string, commonV1.RolloutKind> = {
  immediate: commonV1.RolloutKind.ROLLOUT_KIND_IMMEDIATE,
  canary: commonV1.RolloutKind.ROLLOUT_KIND_CANARY,
  'blue-green': commonV1.RolloutKind.ROLLOUT_KIND_BLUE_GREEN,
  shadow: commonV1.RolloutKind.ROLLOUT_KIND_SHADOW,
};

/** Whether the options override the policy's rollout (then the policy is read first, to keep what they do not override). */
const overridesRollout = (o: PromoteOptions) => o.rollout !== undefined || o.canary !== undefined || o.steps !== undefined || o.stepInterval !== undefined;

/**
 * The RequestPromotion of a version. A rollout given on the command line replaces the policy's
 * (the API takes a whole RolloutStrategy), so it starts from `policyRollout` and changes only what
 * the options name: its step interval and rollback guard survive a `--canary 0.2`.
 */
export function promotionRequestFrom(model: string, version: number, o: PromoteOptions, policyRollout?: commonV1.RolloutStrategy): pb.RequestPromotionRequest {
  let rollout: commonV1.RolloutStrategy | undefined;
  if (overridesRollout(o)) {
    const base = policyRollout ?? commonV1.RolloutStrategy.fromPartial({ kind: commonV1.RolloutKind.ROLLOUT_KIND_IMMEDIATE });
    const named = o.rollout === undefined ? undefined : ROLLOUT_KINDS[o.rollout.toLowerCase().replace('_', '-')];
    if (o.rollout !== undefined && named === undefined) throw new CliError(`--rollout must be one of ${Object.keys(ROLLOUT_KINDS).join(', ')}, got "${o.rollout}"`, EXIT.usage);
    const kind = named ?? (o.canary !== undefined || o.steps !== undefined ? commonV1.RolloutKind.ROLLOUT_KIND_CANARY : base.kind);
    const canary = kind === commonV1.RolloutKind.ROLLOUT_KIND_CANARY;
    if (!canary && (o.canary !== undefined || o.steps !== undefined)) throw new CliError(`--canary and --steps need a canary rollout, not ${rolloutKindName(kind)}`, EXIT.usage);
    let stepInterval = base.stepInterval;
    if (o.stepInterval !== undefined) {
      const seconds = parseDuration(o.stepInterval);
      if (seconds === undefined) throw new CliError(`--step-interval must be a duration such as 90s, 10m or 1h, got "${o.stepInterval}"`, EXIT.usage);
      stepInterval = durationOf(seconds);
    }
    const fromPolicy = base.kind === commonV1.RolloutKind.ROLLOUT_KIND_CANARY;
    const weight = o.canary !== undefined ? fraction(o.canary, '--canary') : fromPolicy ? base.canaryWeight : undefined;
    if (canary && weight === undefined) throw new CliError("a canary rollout needs --canary <weight> (the policy's rollout is not a canary)", EXIT.usage);
    const steps = o.steps?.split(',').map((s) => fraction(s, '--steps'));
    rollout = commonV1.RolloutStrategy.fromPartial({
      kind,
      canaryWeight: canary ? weight : 0,
      canarySteps: canary ? (steps ?? (fromPolicy ? base.canarySteps : [])) : [],
      stepInterval,
      rollbackGuard: base.rollbackGuard,
    });
  }
  return pb.RequestPromotionRequest.fromPartial({ modelName: model, version, targetAlias: o.alias ?? '', reason: o.reason ?? '', rollout, requestId: o.requestId ?? '' });
}

/** `canary 10% → 50% → 100%, every 5m, rollback guard on`. */
export function rolloutLine(rollout: commonV1.RolloutStrategy | undefined): string | undefined {
  if (!rollout) return undefined;
  const kind = rolloutKindName(rollout.kind) || 'immediate';
  if (rollout.kind !== commonV1.RolloutKind.ROLLOUT_KIND_CANARY) return kind;
  const percent = (w: number) => `${Math.round(w * 1000) / 10}%`;
  const seconds = msFromDuration(rollout.stepInterval) / 1000;
  return [
    `${kind} ${[rollout.canaryWeight, ...rollout.canarySteps].map(percent).join(' → ')}`,
    seconds ? `every ${seconds}s` : '',
    rollout.rollbackGuard?.enabled ? 'rollback guard on' : '',
  ]
    .filter(Boolean)
    .join(', ');
}

/** Where a promotion request stands, in a few words: `awaiting approvals (1 of 2)`. */
export function promotionStatus(p: pb.PromotionRequest): string {
  const approvals = p.approvals.filter((a) => a.decision === pb.ApprovalDecision.APPROVAL_DECISION_APPROVE).length;
  switch (p.state) {
    case pb.PromotionState.PROMOTION_STATE_PENDING_APPROVAL:
      return `awaiting approvals (${approvals} of ${p.requiredApprovals})`;
    case pb.PromotionState.PROMOTION_STATE_PROMOTED:
      return `promoted: ${p.targetAlias} is v${p.version}${p.previousVersion ? ` (was v${p.previousVersion})` : ''}`;
    case pb.PromotionState.PROMOTION_STATE_GATES_FAILED:
      return `gates failed: ${(p.gateResult?.checks ?? []).filter((c) => !c.passed).map((c) => c.message || c.name).join('; ') || 'see the checks'}`;
    case pb.PromotionState.PROMOTION_STATE_REJECTED:
      return `rejected${p.approvals.find((a) => a.decision === pb.ApprovalDecision.APPROVAL_DECISION_REJECT)?.reason ? `: ${p.approvals.find((a) => a.decision === pb.ApprovalDecision.APPROVAL_DECISION_REJECT)!.reason}` : ''}`;
    case pb.PromotionState.PROMOTION_STATE_SUPERSEDED:
      return `superseded: ${p.targetAlias} moved after the gates were checked`;
    case pb.PromotionState.PROMOTION_STATE_UNSPECIFIED:
    case pb.PromotionState.UNRECOGNIZED:
      return stateName(p.state) || 'unknown';
  }
}

/** A promotion request: its state, what moves, the gate checks and the decisions so far. */
function printPromotion(out: Output, p: pb.PromotionRequest): void {
  if (out.json) return out.record({}, pb.PromotionRequest.toJSON(p));
  out.record(compact({
    promotion: p.promotionId,
    state: promotionStatus(p),
    model: `${p.modelName} v${p.version} → ${p.targetAlias}${p.gateResult?.championVersion ? ` (champion v${p.gateResult.championVersion})` : ''}`,
    rollout: rolloutLine(p.rollout),
    'requested by': `${p.requestedBy}${p.requestedAt ? ` at ${p.requestedAt.toISOString()}` : ''}`,
    reason: p.reason,
    decisions: p.approvals.map((a) => `${a.actor} ${enumName(pb.ApprovalDecision, a.decision, 'APPROVAL_DECISION_').toLowerCase()}d${a.reason ? ` (${a.reason})` : ''}`).join('; '),
    next: p.state === pb.PromotionState.PROMOTION_STATE_PENDING_APPROVAL ? `mlops approve ${p.promotionId} (by someone other than ${p.requestedBy})` : undefined,
  }));
  const checks = p.gateResult?.checks ?? [];
  if (checks.length === 0) return;
  out.say('');
  out.table(checks, { gate: (c) => c.name, candidate: (c) => c.candidateValue, champion: (c) => c.championValue, threshold: (c) => c.threshold, passed: (c) => (c.passed ? 'yes' : 'NO'), detail: (c) => c.message });
}

/** A lineage graph as an indented tree from its subject, following edges from derived to source. */
export function lineageTree(graph: pb.GetLineageResponse): string[] {
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const label = (id: string) => {
    const node = nodes.get(id);
    if (!node) return id;
    const kind = enumName(pb.LineageNodeKind, node.kind, 'LINEAGE_NODE_KIND_').toLowerCase() || 'node';
    const attributes = Object.entries(node.attributes).map(([k, v]) => `${k}=${v}`);
    return `${kind} ${[node.name, node.version].filter(Boolean).join(' ') || node.id}${attributes.length > 0 ? ` (${attributes.join(', ')})` : ''}`;
  };
  const lines: string[] = [];
  const visit = (id: string, prefix: string, seen: Set<string>) => {
    const edges = graph.edges.filter((e) => e.fromId === id);
    edges.forEach((edge, i) => {
      const last = i === edges.length - 1;
      const again = seen.has(edge.toId);
      lines.push(`${prefix}${last ? '└─' : '├─'} ${edge.relation} → ${label(edge.toId)}${again ? ' (see above)' : ''}`);
      if (!again) visit(edge.toId, `${prefix}${last ? '   ' : '│  '}`, new Set([...seen, edge.toId]));
    });
  };
  const root = graph.nodes[0]?.id;
  if (root === undefined) return lines;
  lines.push(label(root));
  visit(root, '', new Set([root]));
  // Nodes the walk from the subject did not reach (a downstream graph's edges point at the subject).
  const reached = new Set([root, ...graph.edges.map((e) => e.toId)]);
  for (const node of graph.nodes) if (!reached.has(node.id)) lines.push(`${label(node.id)} (→ ${graph.edges.filter((e) => e.fromId === node.id).map((e) => `${e.relation} ${e.toId}`).join(', ')})`);
  return lines;
}

/** Every page of a paged list. */
async function allPages<T>(fetch: (page: commonV1.PageRequest) => Promise<{ items: T[]; page?: commonV1.PageResponse }>): Promise<T[]> {
  const items: T[] = [];
  let pageToken = '';
  do {
    const answer = await fetch({ pageSize: 1000, pageToken });
    items.push(...answer.items);
    pageToken = answer.page?.nextPageToken ?? '';
  } while (pageToken);
  return items;
}

const PROMOTION_STATES: Record<string, pb.PromotionState> = {
  pending: pb.PromotionState.PROMOTION_STATE_PENDING_APPROVAL,
  promoted: pb.PromotionState.PROMOTION_STATE_PROMOTED,
  'gates-failed': pb.PromotionState.PROMOTION_STATE_GATES_FAILED,
  rejected: pb.PromotionState.PROMOTION_STATE_REJECTED,
  superseded: pb.PromotionState.PROMOTION_STATE_SUPERSEDED,
};

/** `mlops models`, `versions`, `promote`, `approve`, `reject`, `rollback`, `promotions`, `lineage`: the registry. */
export const registryCommands: CommandModule = (program, context) => {
  const models = program.command('models').description('registered models (the registry; every call needs a token, reads the viewer role)');

  models
    .command('list')
    .description('registered models with their latest version and aliases (ListRegisteredModels)')
    .option('--name <text>', 'only names containing this')
    .action(async (o: { name?: string }) => {
      const { platform, out } = context();
      const list = await allPages(async (page) => {
        const answer = await platform.rpc('registry', 'listRegisteredModels', { nameContains: o.name ?? '', page }, AUTH);
        return { items: answer.registeredModels, page: answer.page };
      });
      out.table(
        list,
        { name: (m) => m.name, task: (m) => taskName(m.task), latest: (m) => m.latestVersion || undefined, aliases: (m) => aliasList(m.aliases), owner: (m) => m.owner, updated: (m) => m.updatedAt },
        list.map((m) => pb.RegisteredModel.toJSON(m)),
      );
    });

  models
    .command('show <model>')
    .description('a model and its versions: stage, aliases, headline metrics (GetRegisteredModel, ListModelVersions)')
    .action(async (name: string) => {
      const { platform, out } = context();
      const [{ registeredModel: model }, versions] = await Promise.all([
        platform.rpc('registry', 'getRegisteredModel', { name }, AUTH),
        allPages(async (page) => {
          const answer = await platform.rpc('registry', 'listModelVersions', { modelName: name, page }, AUTH);
          return { items: answer.modelVersions, page: answer.page };
        }),
      ]);
      if (!model) throw new CliError(`model "${name}": the registry returned nothing`, EXIT.failure);
      if (out.json) return out.record({}, { registeredModel: pb.RegisteredModel.toJSON(model), modelVersions: versions.map((v) => pb.ModelVersion.toJSON(v)) });
      out.record(compact({
        model: model.name,
        task: taskName(model.task),
        owner: model.owner,
        description: model.description,
        aliases: aliasList(model.aliases),
        latest: model.latestVersion || undefined,
        tags: Object.keys(model.tags).length > 0 ? model.tags : undefined,
        created: model.createdAt,
        updated: model.updatedAt,
      }));
      if (versions.length === 0) return out.say('\nno versions yet');
      out.say('');
      out.table(versions, {
        version: (v) => v.version,
        stage: (v) => stageName(v.stage),
        aliases: (v) => v.aliases.join(' '),
        metrics: (v) => metricsSummary(v.metrics),
        run: (v) => v.lineage?.trainingRunId,
        created: (v) => v.createdAt,
      });
    });

  const policy = models.command('policy').description("a model's promotion policy: gates, approvals, automatic promotion, rollout");
  policy
    .command('apply <model> <file>')
    .description('replace the policy with a YAML or JSON document (see apps/registry/README.md, "Promotion policies"; needs admin)')
    .action(async (model: string, file: string) => {
      const { platform, out } = context();
      const { policy: stored } = await platform.rpc('registry', 'setPromotionPolicy', { modelName: model, content: { $case: 'document', value: readText(file) } }, AUTH);
      if (out.json) return out.record({}, stored && pb.PromotionPolicy.toJSON(stored));
      out.say(`promotion policy of "${model}" stored, revision ${stored?.revision ?? '?'}`);
    });
  policy
    .command('show <model>')
    .description('the stored policy (GetPromotionPolicy)')
    .action(async (model: string) => {
      const { platform, out } = context();
      const { policy: stored } = await platform.rpc('registry', 'getPromotionPolicy', { modelName: model }, AUTH);
      if (!stored) throw new CliError(`no promotion policy for "${model}"`, EXIT.notFound);
      out.document(pb.PromotionPolicy.toJSON(stored));
    });

  program
    .command('versions')
    .description('model versions')
    .command('show <model> <version>')
    .description('one version by number or alias: artifact, signature, metrics, lineage, tags (GetModelVersion)')
    .action(async (model: string, version: string) => {
      const { platform, out } = context();
      const { modelVersion: v } = await platform.rpc('registry', 'getModelVersion', { modelName: model, selector: versionSelector(version) }, AUTH);
      if (!v) throw new CliError(`${model} ${version}: the registry returned nothing`, EXIT.failure);
      if (out.json) return out.record({}, pb.ModelVersion.toJSON(v));
      const tensors = (specs: commonV1.TensorSpec[]) => specs.map((t) => `${t.name}:${enumName(commonV1.TensorDataType, t.datatype, 'TENSOR_DATA_TYPE_').toLowerCase()}`).join(' ');
      out.record(compact({
        model: v.modelName,
        version: v.version,
        stage: stageName(v.stage),
        aliases: v.aliases.join(' '),
        artifact: v.artifact && `${v.artifact.digest} (${v.artifact.sizeBytes} bytes)`,
        inputs: v.signature && tensors(v.signature.inputs),
        outputs: v.signature && tensors(v.signature.outputs),
        run: v.lineage?.trainingRunId,
        data: v.lineage && [v.lineage.dataset, v.lineage.datasetSnapshotId].filter(Boolean).join(' '),
        'feature service': v.lineage?.featureService?.name && `${v.lineage.featureService.name} v${v.lineage.featureService.version}`,
        code: v.lineage?.codeCommit,
        description: v.description,
        tags: Object.keys(v.tags).length > 0 ? v.tags : undefined,
        'created by': v.createdBy,
        created: v.createdAt,
      }));
      const metrics = Object.entries(v.metrics).sort(([a], [b]) => a.localeCompare(b));
      if (metrics.length === 0) return;
      out.say('');
      out.table(metrics, { metric: ([k]) => k, value: ([, value]) => value });
    });

  program
    .command('promote <model> <version>')
    .description(
      "request promotion of a version to the alias its policy governs (RequestPromotion; contributor role). Gates are checked against the current champion; the request is then awaiting approvals, promoted, or refused (exit 65). Rollout options replace only what they name of the policy's rollout",
    )
    .option('--alias <alias>', "the alias to move (default: the policy's, champion); only the governed alias moves by promotion")
    .option('--reason <text>', 'why (recorded and audited)')
    .option('--rollout <kind>', `rollout: ${Object.keys(ROLLOUT_KINDS).join(', ')} (default: the policy's)`)
    .option('--canary <weight>', 'start a canary on this share of traffic, e.g. 0.1 or 10% (implies --rollout canary)')
    .option('--steps <weights>', 'later canary weights, comma-separated and increasing, ending at 1, e.g. 0.5,1')
    .option('--step-interval <duration>', 'how long each canary step is observed, e.g. 10m')
    .option('--request-id <id>', 'idempotency key: requesting again with it returns the same request')
    .action(async (model: string, version: string, o: PromoteOptions) => {
      const { platform, out } = context();
      const number = await versionNumber(platform, model, version);
      const policy = overridesRollout(o) ? (await platform.rpc('registry', 'getPromotionPolicy', { modelName: model }, AUTH)).policy : undefined;
      const { promotion } = await platform.rpc('registry', 'requestPromotion', promotionRequestFrom(model, number, o, policy?.rollout), AUTH);
      if (!promotion) throw new CliError('the registry returned no promotion request', EXIT.failure);
      printPromotion(out, promotion);
      if (promotion.state === pb.PromotionState.PROMOTION_STATE_GATES_FAILED) throw new CliError(`${model} v${number}: ${promotionStatus(promotion)}`, EXIT.dataError);
    });

  program
    .command('approve <promotion-id>')
    .description('approve a pending promotion (ApprovePromotion; approver role, and not the requester). Enough approvals promote it')
    .option('--reason <text>', 'comment, recorded with the approval', '')
    .action(async (promotionId: string, o: { reason: string }) => {
      const { platform, out } = context();
      const { promotion } = await platform.rpc('registry', 'approvePromotion', { promotionId, reason: o.reason }, AUTH);
      if (!promotion) throw new CliError('the registry returned no promotion request', EXIT.failure);
      printPromotion(out, promotion);
    });

  program
    .command('reject <promotion-id>')
    .description('reject a pending promotion (RejectPromotion; approver role, and not the requester)')
    .requiredOption('--reason <text>', 'why (required)')
    .action(async (promotionId: string, o: { reason: string }) => {
      const { platform, out } = context();
      const { promotion } = await platform.rpc('registry', 'rejectPromotion', { promotionId, reason: o.reason }, AUTH);
      if (!promotion) throw new CliError('the registry returned no promotion request', EXIT.failure);
      printPromotion(out, promotion);
    });

  program
    .command('rollback <model>')
    .description('move the alias back to the version it replaced, or to --to, a version that once held it by promotion (Rollback; approver role)')
    .requiredOption('--reason <text>', 'why (required, audited)')
    .option('--to <version>', 'the version to restore (default: the one the current version replaced)')
    .option('--alias <alias>', 'the alias (default: champion)')
    .action(async (model: string, o: { reason: string; to?: string; alias?: string }) => {
      const { platform, out } = context();
      const to = o.to === undefined ? 0 : (versionSelector(o.to, false).value as number);
      const answer = await platform.rpc('registry', 'rollback', { modelName: model, alias: o.alias ?? '', toVersion: to, reason: o.reason }, AUTH);
      out.say(`${model}: ${o.alias ?? 'champion'} rolled back from v${answer.fromVersion} to v${answer.toVersion}`);
      if (out.json) out.record({}, pb.RollbackResponse.toJSON(answer));
      else out.record({ aliases: answer.registeredModel && aliasList(answer.registeredModel.aliases) });
    });

  const promotions = program.command('promotions').description('promotion requests');
  promotions
    .command('list <model>')
    .description('promotion requests of a model, newest first (ListPromotionRequests)')
    .option('--state <state>', `only this state: ${Object.keys(PROMOTION_STATES).join(', ')}`)
    .action(async (model: string, o: { state?: string }) => {
      const { platform, out } = context();
      const state = o.state === undefined ? pb.PromotionState.PROMOTION_STATE_UNSPECIFIED : PROMOTION_STATES[o.state.toLowerCase()];
      if (state === undefined) throw new CliError(`--state must be one of ${Object.keys(PROMOTION_STATES).join(', ')}, got "${o.state}"`, EXIT.usage);
      const list = await allPages(async (page) => {
        const answer = await platform.rpc('registry', 'listPromotionRequests', { modelName: model, state, page }, AUTH);
        return { items: answer.promotions, page: answer.page };
      });
      out.table(
        list,
        { promotion: (p) => p.promotionId, version: (p) => p.version, alias: (p) => p.targetAlias, state: (p) => promotionStatus(p), 'requested by': (p) => p.requestedBy, requested: (p) => p.requestedAt },
        list.map((p) => pb.PromotionRequest.toJSON(p)),
      );
    });
  promotions
    .command('show <promotion-id>')
    .description('a promotion request: state, gate checks, decisions (GetPromotionRequest)')
    .action(async (promotionId: string) => {
      const { platform, out } = context();
      const { promotion } = await platform.rpc('registry', 'getPromotionRequest', { promotionId }, AUTH);
      if (!promotion) throw new CliError(`promotion ${promotionId}: the registry returned nothing`, EXIT.failure);
      printPromotion(out, promotion);
    });

  program
    .command('lineage <model> <version>')
    .description('where a version comes from (GetLineage, upstream): its run, dataset snapshot, feature service and views, code commit, training config')
    .action(async (model: string, version: string) => {
      const { platform, out } = context();
      const number = await versionNumber(platform, model, version);
      const graph = await platform.rpc(
        'registry',
        'getLineage',
        pb.GetLineageRequest.fromPartial({ subject: { $case: 'modelVersion', value: { modelName: model, version: number } }, direction: pb.LineageDirection.LINEAGE_DIRECTION_UPSTREAM }),
        AUTH,
      );
      if (out.json) return out.record({}, pb.GetLineageResponse.toJSON(graph));
      for (const line of lineageTree(graph)) out.say(line);
    });
};
