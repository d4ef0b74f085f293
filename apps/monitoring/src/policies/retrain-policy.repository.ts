import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type RetrainPolicy } from '../domain/policies/retrain-policy';

export interface StoredPolicy {
  policy: RetrainPolicy;
  revision: number;
  updatedAt: Date;
}

/** Retraining policies (with their canary judgement) and the retrain requests they made. */
@Injectable()
export class RetrainPolicyRepository {
  constructor(private readonly db: DataSource) {}

  async find(modelName: string, tx: SqlExecutor = this.db): Promise<StoredPolicy | undefined> {
    const [row] = (await tx.query('SELECT policy, revision, updated_at FROM retrain_policies WHERE model_name = $1', [modelName])) as { policy: RetrainPolicy; revision: number; updated_at: Date }[];
    return row && { policy: row.policy, revision: row.revision, updatedAt: row.updated_at };
  }

  async withCanaryJudgement(): Promise<Map<string, RetrainPolicy>> {
    const rows = await this.db.query<{ model_name: string; policy: RetrainPolicy }[]>("SELECT model_name, policy FROM retrain_policies WHERE (policy -> 'canary' ->> 'enabled')::boolean");
    return new Map(rows.map((r) => [r.model_name, r.policy]));
  }

  async replace(tx: SqlExecutor, modelName: string, policy: RetrainPolicy, actor: string): Promise<StoredPolicy> {
    const [row] = (await tx.query(
      `INSERT INTO retrain_policies (model_name, revision, policy, updated_by) VALUES ($1, 1, $2, $3)
       ON CONFLICT (model_name) DO UPDATE SET revision = retrain_policies.revision + 1, policy = EXCLUDED.policy, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING revision, updated_at`,
      [modelName, JSON.stringify(policy), actor],
    )) as { revision: number; updated_at: Date }[];
    return { policy, revision: row.revision, updatedAt: row.updated_at };
  }

  /** Times of the model's retrain requests since `since`, under a lock on the model so two replicas cannot both pass the limit. */
  async requestedSince(tx: SqlExecutor, modelName: string, since: Date): Promise<Date[]> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('monitoring.retrain'), hashtext($1))", [modelName]);
    const rows = (await tx.query(
      "SELECT requested_at FROM retrain_requests WHERE model_name = $1 AND outcome = 'requested' AND requested_at >= $2 ORDER BY requested_at",
      [modelName, since],
    )) as { requested_at: Date }[];
    return rows.map((r) => r.requested_at);
  }

  async recordRequest(tx: SqlExecutor, request: { id: string; modelName: string; ruleName: string; alertId: string; outcome: string }): Promise<void> {
    await tx.query('INSERT INTO retrain_requests (retrain_request_id, model_name, rule_name, alert_id, outcome) VALUES ($1, $2, $3, $4, $5)', [request.id, request.modelName, request.ruleName, request.alertId, request.outcome]);
  }

  /** Records a canary's failing judgement once per deployment revision; false when it was already judged (by this or another replica). */
  async recordCanaryJudgement(tx: SqlExecutor, canary: { modelName: string; version: number; revision: number }, requestId: string, verdict: string): Promise<boolean> {
    const rows = (await tx.query(
      'INSERT INTO canary_judgements (model_name, canary_version, revision, request_id, verdict) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING request_id',
      [canary.modelName, canary.version, canary.revision, requestId, verdict],
    )) as unknown[];
    return rows.length > 0;
  }
}
