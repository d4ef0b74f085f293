import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { DEFAULT_POLICY, type PromotionPolicy } from '../domain/policy';

export interface StoredPolicy {
  policy: PromotionPolicy;
  revision: number;
  updatedBy: string;
  updatedAt: Date;
}

/** The policy in force for a model: the stored one, or the default one (`stored` unset) when none was set. */
export interface EffectivePolicy {
  stored?: StoredPolicy;
  policy: PromotionPolicy;
}

interface Row {
  policy: PromotionPolicy;
  revision: number;
  updated_by: string;
  updated_at: Date;
}

const toStored = (row: Row): StoredPolicy => ({ policy: row.policy, revision: row.revision, updatedBy: row.updated_by, updatedAt: row.updated_at });

@Injectable()
export class PolicyRepository {
  constructor(private readonly db: DataSource) {}

  async get(modelName: string, executor: SqlExecutor = this.db): Promise<StoredPolicy | undefined> {
    const rows = (await executor.query('SELECT policy, revision, updated_by, updated_at FROM promotion_policies WHERE model_name = $1', [modelName])) as Row[];
    return rows[0] && toStored(rows[0]);
  }

  /** The policy in force: the stored one (with its revision), or the default one when none was set. */
  async effective(modelName: string, executor: SqlExecutor = this.db): Promise<EffectivePolicy> {
    const stored = await this.get(modelName, executor);
    return { stored, policy: stored?.policy ?? DEFAULT_POLICY };
  }

  /** Stores the policy as the next revision. */
  async put(tx: SqlExecutor, modelName: string, policy: PromotionPolicy, actor: string): Promise<StoredPolicy> {
    const rows = (await tx.query(
      `INSERT INTO promotion_policies (model_name, policy, revision, updated_by) VALUES ($1, $2, 1, $3)
       ON CONFLICT (model_name) DO UPDATE SET policy = excluded.policy, revision = promotion_policies.revision + 1, updated_by = excluded.updated_by, updated_at = now()
       RETURNING policy, revision, updated_by, updated_at`,
      [modelName, JSON.stringify(policy), actor],
    )) as Row[];
    return toStored(rows[0]);
  }
}
