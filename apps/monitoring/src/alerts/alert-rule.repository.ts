import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type AlertRule } from '../domain/alerts/alert-rule';

export interface RuleSet {
  rules: AlertRule[];
  revision: number;
}

/** Each model's alert rules, replaced as a whole and revised on every change. */
@Injectable()
export class AlertRuleRepository {
  constructor(private readonly db: DataSource) {}

  /** `share`: hold the set against changes until the transaction ends. */
  async find(modelName: string, tx: SqlExecutor = this.db, { share = false } = {}): Promise<RuleSet> {
    const [row] = (await tx.query(`SELECT rules, revision FROM alert_rule_sets WHERE model_name = $1${share ? ' FOR SHARE' : ''}`, [modelName])) as { rules: AlertRule[]; revision: number }[];
    return row ? { rules: row.rules, revision: row.revision } : { rules: [], revision: 0 };
  }

  async replace(tx: SqlExecutor, modelName: string, rules: AlertRule[], actor: string): Promise<number> {
    const [{ revision }] = (await tx.query(
      `INSERT INTO alert_rule_sets (model_name, revision, rules, updated_by) VALUES ($1, 1, $2, $3)
       ON CONFLICT (model_name) DO UPDATE SET revision = alert_rule_sets.revision + 1, rules = EXCLUDED.rules, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING revision`,
      [modelName, JSON.stringify(rules), actor],
    )) as { revision: number }[];
    return revision;
  }
}
