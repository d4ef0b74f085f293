import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor } from '@mlops/persistence';
import { type GateResult } from '../domain/gates';
import { type Rollout } from '../domain/policy';
import { type ApprovalRecord, type Decision, type PromotionState } from '../domain/promotion';

export interface Promotion {
  id: string;
  modelName: string;
  version: number;
  targetAlias: string;
  state: PromotionState;
  gateResult: GateResult;
  approvals: ApprovalRecord[];
  requiredApprovals: number;
  rollout: Rollout;
  requestedBy: string;
  reason: string;
  requestId?: string;
  previousVersion: number;
  requestedAt: Date;
  decidedAt?: Date;
}

type StoredGateResult = Omit<GateResult, 'evaluatedAt'> & { evaluatedAt: string };

interface Row {
  id: string;
  model_name: string;
  version: number;
  target_alias: string;
  state: PromotionState;
  gate_result: StoredGateResult;
  required_approvals: number;
  rollout: Rollout;
  requested_by: string;
  reason: string;
  request_id: string | null;
  previous_version: number;
  requested_at: Date;
  decided_at: Date | null;
  approvals: { actor: string; decision: Decision; reason: string; time: string }[];
}

const SELECT = `
  SELECT p.*, coalesce((
    SELECT json_agg(json_build_object('actor', a.actor, 'decision', a.decision, 'reason', a.reason, 'time', a.decided_at) ORDER BY a.decided_at, a.actor)
    FROM approvals a WHERE a.promotion_id = p.id), '[]') AS approvals
  FROM promotions p`;

const toPromotion = (row: Row): Promotion => ({
  id: row.id, modelName: row.model_name, version: row.version, targetAlias: row.target_alias, state: row.state,
  gateResult: { ...row.gate_result, evaluatedAt: new Date(row.gate_result.evaluatedAt) },
  approvals: row.approvals.map((a) => ({ ...a, time: new Date(a.time) })),
  requiredApprovals: row.required_approvals, rollout: row.rollout, requestedBy: row.requested_by, reason: row.reason, requestId: row.request_id ?? undefined,
  previousVersion: row.previous_version, requestedAt: row.requested_at, decidedAt: row.decided_at ?? undefined,
});

type NewPromotion = Omit<Promotion, 'approvals' | 'requestedAt' | 'decidedAt'>;

@Injectable()
export class PromotionRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tx: SqlExecutor, p: NewPromotion): Promise<void> {
    await tx.query(
      `INSERT INTO promotions (id, model_name, version, target_alias, state, gate_result, required_approvals, rollout, requested_by, reason, request_id, previous_version, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, CASE WHEN $5 = 'PENDING_APPROVAL' THEN NULL ELSE now() END)`,
      [p.id, p.modelName, p.version, p.targetAlias, p.state, JSON.stringify(p.gateResult), p.requiredApprovals, JSON.stringify(p.rollout), p.requestedBy, p.reason, p.requestId ?? null, p.previousVersion],
    );
  }

  async get(id: string, executor: SqlExecutor = this.db): Promise<Promotion | undefined> {
    const rows = (await executor.query(`${SELECT} WHERE p.id = $1`, [id])) as Row[];
    return rows[0] && toPromotion(rows[0]);
  }

  async byRequestId(modelName: string, requestId: string, executor: SqlExecutor = this.db): Promise<Promotion | undefined> {
    const rows = (await executor.query(`${SELECT} WHERE p.model_name = $1 AND p.request_id = $2`, [modelName, requestId])) as Row[];
    return rows[0] && toPromotion(rows[0]);
  }

  async pending(tx: SqlExecutor, modelName: string, alias: string): Promise<Promotion | undefined> {
    const rows = (await tx.query(`${SELECT} WHERE p.model_name = $1 AND p.target_alias = $2 AND p.state = 'PENDING_APPROVAL'`, [modelName, alias])) as Row[];
    return rows[0] && toPromotion(rows[0]);
  }

  async list(modelName: string, state: PromotionState | undefined, offset: number, limit: number): Promise<Promotion[]> {
    const rows = await this.db.query<Row[]>(
      `${SELECT} WHERE p.model_name = $1 AND ($2::text IS NULL OR p.state = $2) ORDER BY p.requested_at DESC, p.id LIMIT $3 OFFSET $4`,
      [modelName, state ?? null, limit, offset],
    );
    return rows.map(toPromotion);
  }

  async ofVersion(modelName: string, version: number): Promise<Promotion[]> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE p.model_name = $1 AND p.version = $2 ORDER BY p.requested_at`, [modelName, version]);
    return rows.map(toPromotion);
  }

  async addDecision(tx: SqlExecutor, id: string, actor: string, decision: Decision, reason: string): Promise<void> {
    await tx.query('INSERT INTO approvals (promotion_id, actor, decision, reason) VALUES ($1, $2, $3, $4)', [id, actor, decision, reason]);
  }

  /** Ends a pending promotion. */
  async decide(tx: SqlExecutor, id: string, state: Exclude<PromotionState, 'PENDING_APPROVAL'>): Promise<void> {
    await tx.query('UPDATE promotions SET state = $2, decided_at = now() WHERE id = $1', [id, state]);
  }
}
