import { commonV1, registryV1 as pb } from '@mlops/proto';
import { CliError } from '../core/cli-error';
import { EXIT } from '../core/exit-codes';
import { aliasList, fraction, lineageTree, metricsSummary, promotionRequestFrom, promotionStatus, rolloutLine, versionSelector } from './registry';

const { RolloutKind } = commonV1;

describe('promotion requests', () => {
  const policyCanary = commonV1.RolloutStrategy.fromPartial({
    kind: RolloutKind.ROLLOUT_KIND_CANARY,
    canaryWeight: 0.1,
    canarySteps: [0.5, 1],
    stepInterval: { seconds: 300, nanos: 0 },
    rollbackGuard: { enabled: true, maxErrorRateIncrease: 0.01, maxP99LatencyIncrease: 0.2, evaluationWindow: { seconds: 300, nanos: 0 }, minRequests: 100 },
  });

  it("leaves the rollout to the policy when no rollout option is given, and passes alias, reason and request id", () => {
    const request = promotionRequestFrom('flights', 4, { alias: 'champion', reason: 'better AUC', requestId: 'req-1' }, policyCanary);
    expect(request).toEqual(pb.RequestPromotionRequest.fromPartial({ modelName: 'flights', version: 4, targetAlias: 'champion', reason: 'better AUC', requestId: 'req-1' }));
    expect(request.rollout).toBeUndefined();
  });

  it("overrides only what the options name, keeping the policy's steps, interval and rollback guard", () => {
    const { rollout } = promotionRequestFrom('flights', 4, { canary: '20%' }, policyCanary);
    expect(rollout).toEqual({ ...policyCanary, canaryWeight: 0.2 });
    const stepped = promotionRequestFrom('flights', 4, { steps: '0.3,1', stepInterval: '10m' }, policyCanary).rollout;
    expect([stepped?.kind, stepped?.canaryWeight, stepped?.canarySteps, stepped?.stepInterval, stepped?.rollbackGuard?.enabled]).toEqual([RolloutKind.ROLLOUT_KIND_CANARY, 0.1, [0.3, 1], { seconds: 600, nanos: 0 }, true]);
  });

  it('turns an immediate policy into a canary with --canary, and clears canary weights for another kind', () => {
    const canary = promotionRequestFrom('m', 2, { canary: '0.05', steps: '0.5,1' }).rollout;
    expect([canary?.kind, canary?.canaryWeight, canary?.canarySteps]).toEqual([RolloutKind.ROLLOUT_KIND_CANARY, 0.05, [0.5, 1]]);
    const shadow = promotionRequestFrom('m', 2, { rollout: 'shadow' }, policyCanary).rollout;
    expect([shadow?.kind, shadow?.canaryWeight, shadow?.canarySteps, shadow?.rollbackGuard?.enabled]).toEqual([RolloutKind.ROLLOUT_KIND_SHADOW, 0, [], true]);
  });

  it('refuses options that cannot make a rollout, naming the flag', () => {
    const usage = (o: Parameters<typeof promotionRequestFrom>[2]) => {
      try {
        promotionRequestFrom('m', 2, o);
      } catch (error) {
        return [(error as CliError).message, (error as CliError).exitCode];
      }
      return 'accepted';
    };
    expect(usage({ rollout: 'big-bang' })).toEqual(['--rollout must be one of immediate, canary, blue-green, shadow, got "big-bang"', EXIT.usage]);
    expect(usage({ rollout: 'immediate', canary: '0.1' })).toEqual(['--canary and --steps need a canary rollout, not immediate', EXIT.usage]);
    expect(usage({ rollout: 'canary' })).toEqual(["a canary rollout needs --canary <weight> (the policy's rollout is not a canary)", EXIT.usage]);
    expect(usage({ canary: '0.1', stepInterval: 'soon' })).toEqual(['--step-interval must be a duration such as 90s, 10m or 1h, got "soon"', EXIT.usage]);
    expect(usage({ canary: '1.5' })).toEqual(['--canary must be a share of traffic above 0 and at most 1 (e.g. 0.1 or 10%), got "1.5"', EXIT.usage]);
  });

  it('reads traffic shares as fractions or percentages', () => {
    expect([fraction('0.25', '--canary'), fraction('10%', '--canary'), fraction('1', '--steps')]).toEqual([0.25, 0.1, 1]);
    expect(() => fraction('0', '--canary')).toThrow(CliError);
  });

  it('describes a rollout in a few words', () => {
    expect(rolloutLine(policyCanary)).toBe('canary 10% → 50% → 100%, every 300s, rollback guard on');
    expect(rolloutLine(commonV1.RolloutStrategy.fromPartial({ kind: RolloutKind.ROLLOUT_KIND_BLUE_GREEN }))).toBe('blue-green');
  });

  it("says where a request stands: approvals so far, what moved, which gates failed", () => {
    const base = { promotionId: 'p1', modelName: 'm', version: 5, targetAlias: 'champion', requiredApprovals: 2, previousVersion: 3 };
    const approve = { actor: 'bob', decision: pb.ApprovalDecision.APPROVAL_DECISION_APPROVE, reason: 'ok' };
    expect(promotionStatus(pb.PromotionRequest.fromPartial({ ...base, state: pb.PromotionState.PROMOTION_STATE_PENDING_APPROVAL, approvals: [approve] }))).toBe('awaiting approvals (1 of 2)');
    expect(promotionStatus(pb.PromotionRequest.fromPartial({ ...base, state: pb.PromotionState.PROMOTION_STATE_PROMOTED }))).toBe('promoted: champion is v5 (was v3)');
    const failed = pb.PromotionRequest.fromPartial({
      ...base,
      state: pb.PromotionState.PROMOTION_STATE_GATES_FAILED,
      gateResult: { passed: false, checks: [{ name: 'roc_auc.max_regression', passed: false, message: 'roc_auc 0.6885 < champion 0.6985 - 0.002 = 0.6965' }, { name: 'latency_p99', passed: true, message: 'fine' }] },
    });
    expect(promotionStatus(failed)).toBe('gates failed: roc_auc 0.6885 < champion 0.6985 - 0.002 = 0.6965');
    expect(promotionStatus(pb.PromotionRequest.fromPartial({ ...base, state: pb.PromotionState.PROMOTION_STATE_REJECTED, approvals: [{ actor: 'carol', decision: pb.ApprovalDecision.APPROVAL_DECISION_REJECT, reason: 'slice regression' }] }))).toBe('rejected: slice regression');
  });
});

describe('versions and models', () => {
  it('reads a version as a number or an alias, and refuses what is neither', () => {
    expect([versionSelector('3'), versionSelector('champion')]).toEqual([{ $case: 'version', value: 3 }, { $case: 'alias', value: 'champion' }]);
    expect(() => versionSelector('0')).toThrow(new CliError('"0" is not a version number (1 or more) or an alias', EXIT.usage));
    expect(() => versionSelector('champion', false)).toThrow('"champion" is not a version number (1 or more)');
  });

  it('summarises metrics headline first, leaving out slices, and says how many more there are', () => {
    expect(metricsSummary({ accuracy: 0.81, 'slice.origin=SFO.roc_auc': 0.6, log_loss: 0.451234, roc_auc: 0.71234, brier: 0.2, latency_p99_ms: 3 })).toBe('roc_auc=0.7123 log_loss=0.4512 accuracy=0.8100 (+2)');
    expect(metricsSummary({})).toBe('');
  });

  it('lists aliases sorted', () => {
    expect(aliasList({ shadow: 5, champion: 3 })).toBe('champion=3 shadow=5');
  });
});

describe('lineage', () => {
  it('draws the upstream graph as a tree from the version', () => {
    const kind = pb.LineageNodeKind;
    const graph = pb.GetLineageResponse.fromPartial({
      nodes: [
        { id: 'model_version:flights/3', kind: kind.LINEAGE_NODE_KIND_MODEL_VERSION, name: 'flights', version: '3' },
        { id: 'run:r1', kind: kind.LINEAGE_NODE_KIND_TRAINING_RUN, name: 'r1' },
        { id: 'snapshot:s1', kind: kind.LINEAGE_NODE_KIND_DATASET_SNAPSHOT, name: 'flights', version: 'sha256:s1', attributes: { rows: '30000' } },
        { id: 'commit:c1', kind: kind.LINEAGE_NODE_KIND_CODE_COMMIT, name: 'repo', version: 'c1' },
      ],
      edges: [
        { fromId: 'model_version:flights/3', toId: 'run:r1', relation: 'produced_by' },
        { fromId: 'run:r1', toId: 'snapshot:s1', relation: 'trained_on' },
        { fromId: 'run:r1', toId: 'commit:c1', relation: 'built_from' },
      ],
    });
    expect(lineageTree(graph)).toEqual([
      'model_version flights 3',
      '└─ produced_by → training_run r1',
      '   ├─ trained_on → dataset_snapshot flights sha256:s1 (rows=30000)',
      '   └─ built_from → code_commit repo c1',
    ]);
  });

  it('stops at a node it has already drawn instead of looping', () => {
    const graph = pb.GetLineageResponse.fromPartial({
      nodes: [{ id: 'a' }, { id: 'b' }],
      edges: [
        { fromId: 'a', toId: 'b', relation: 'r' },
        { fromId: 'b', toId: 'a', relation: 'r' },
      ],
    });
    expect(lineageTree(graph)).toEqual(['node a', '└─ r → node b', '   └─ r → node a (see above)']);
  });
});
