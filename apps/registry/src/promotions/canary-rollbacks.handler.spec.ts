import { type EventEnvelope, UnprocessableEventError } from '@mlops/events';
import { RpcError } from '@mlops/grpc';
import { type SqlExecutor } from '@mlops/persistence';
import { eventsV1 } from '@mlops/proto';
import { type Logger } from '@mlops/telemetry';
import { CanaryRollbacksHandler, MONITORING_ACTOR, SERVING_ACTOR } from './canary-rollbacks.handler';
import { type PromotionService } from './promotion.service';

const { DeploymentChangeCause } = eventsV1;
const tx = {} as SqlExecutor;
const envelope: EventEnvelope = { id: 'evt-1', type: 'serving.deployment.changed', schemaVersion: 1, time: new Date(), producer: 'serving' };
const logger = { info: jest.fn(), warn: jest.fn() } as unknown as Logger;

function handlerWith(rollbackIn: jest.Mock) {
  return new CanaryRollbacksHandler({ rollbackIn } as unknown as PromotionService, logger);
}

const autoRollback = (overrides: Partial<eventsV1.DeploymentChanged> = {}) => eventsV1.DeploymentChanged.fromPartial({
  modelName: 'flights', revision: 7, stableVersion: 2, arms: [{ arm: 'stable', version: 2, weight: 1 }], cause: DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_AUTO_ROLLBACK,
  reason: 'canary regressed', actor: SERVING_ACTOR, checks: [{ metric: 'error_rate', canaryValue: 0.2, stableValue: 0.01, limit: 0.02, passed: false }], ...overrides,
});

describe('CanaryRollbacksHandler', () => {
  it('rolls the canary monitoring names back, as monitoring', async () => {
    const rollbackIn = jest.fn().mockResolvedValue({ fromVersion: 3, toVersion: 2 });
    const request = eventsV1.CanaryRollbackRequested.fromPartial({ requestId: 'r-1', modelName: 'flights', canaryVersion: 3, stableVersion: 2, reason: 'error rate +4 points' });
    await handlerWith(rollbackIn).onCanaryRollbackRequested(request, envelope, tx);
    expect(rollbackIn).toHaveBeenCalledWith(tx, { modelName: 'flights', toVersion: 2, reason: 'canary rollback: error rate +4 points', canaryRollbackRequestId: 'r-1' }, MONITORING_ACTOR, 3);
  });

  it("follows serving's automatic rollback to its stable version, as serving, with the failed checks in the reason", async () => {
    const rollbackIn = jest.fn().mockResolvedValue(undefined);
    await handlerWith(rollbackIn).onDeploymentChanged(autoRollback(), envelope, tx);
    expect(rollbackIn).toHaveBeenCalledWith(
      tx, { modelName: 'flights', toVersion: 2, reason: 'serving rolled back the canary: canary regressed; failed checks: error_rate 0.2 (stable 0.01, limit 0.02)' }, SERVING_ACTOR, 'canary',
    );
  });

  it('expects the canary serving names to still hold the alias, so a later promotion is never undone', async () => {
    const rollbackIn = jest.fn().mockResolvedValue(undefined);
    await handlerWith(rollbackIn).onDeploymentChanged(autoRollback({ rolledBackVersion: 3 }), envelope, tx);
    expect(rollbackIn).toHaveBeenCalledWith(tx, expect.objectContaining({ toVersion: 2 }), SERVING_ACTOR, 3);
  });

  it.each([
    DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_PROMOTION, DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLBACK, DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_ROLLOUT_STEP,
    DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_API, DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_CANARY_ROLLBACK_REQUEST, DeploymentChangeCause.DEPLOYMENT_CHANGE_CAUSE_UNSPECIFIED,
  ].map((cause) => [DeploymentChangeCause[cause], cause] as const))('ignores a deployment change caused by %s', async (_name, cause) => {
    const rollbackIn = jest.fn();
    await handlerWith(rollbackIn).onDeploymentChanged(autoRollback({ cause }), envelope, tx);
    expect(rollbackIn).not.toHaveBeenCalled();
  });

  it('dead-letters an automatic rollback without a stable version, or one the registry refuses', async () => {
    await expect(handlerWith(jest.fn()).onDeploymentChanged(autoRollback({ stableVersion: 0 }), envelope, tx)).rejects.toThrow(UnprocessableEventError);
    const refusing = jest.fn().mockRejectedValue(RpcError.notFound('registered model "flights" not found'));
    await expect(handlerWith(refusing).onDeploymentChanged(autoRollback(), envelope, tx)).rejects.toThrow('automatic rollback evt-1 by serving of "flights": registered model "flights" not found');
  });

  it('lets a database failure through, to be retried', async () => {
    const failing = jest.fn().mockRejectedValue(new Error('connection reset'));
    await expect(handlerWith(failing).onDeploymentChanged(autoRollback(), envelope, tx)).rejects.toThrow('connection reset');
  });
});
