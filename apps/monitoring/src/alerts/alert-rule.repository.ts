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

  async find(modelName: string, tx: SqlExecutor = this.db): Promise<RuleSet> {
    const [row] = (await tx.query('SELECT rules, revision FROM alert_rule_sets WHERE model_name = $1', [modelName])) as { rules: AlertRule[]; revision: number }[];
    return row ? { rules: row.rules, revision: row.revision } : { rules: [], revision: 0 };
  }

  async all(): Promise<Map<string, AlertRule[]>> {
    const rows = await this.db.query<{ model_name: string; rules: AlertRule[] }[]>('SELECT model_name, rules FROM alert_rule_sets');
    return new Map(rows.map((r) => [r.model_name, r.rules]));
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
