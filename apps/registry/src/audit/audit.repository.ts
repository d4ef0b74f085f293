import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type SqlExecutor, streamQuery } from '@mlops/persistence';
import { type AuditEntry } from '../domain/audit-chain';

interface Row {
  sequence: string;
  time: Date;
  actor: string;
  action: string;
  model_name: string;
  version: number;
  reason: string;
  before: unknown;
  after: unknown;
  previous_hash: string;
  hash: string;
}

const COLUMNS = 'sequence, time, actor, action, model_name, version, reason, before, after, previous_hash, hash';

const toEntry = (row: Row): AuditEntry => ({
  sequence: Number(row.sequence), time: row.time, actor: row.actor, action: row.action, modelName: row.model_name, version: row.version,
  reason: row.reason, before: row.before, after: row.after, previousHash: row.previous_hash, hash: row.hash,
});

export interface AuditFilter {
  modelName?: string;
  version?: number;
  actor?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** Appends take a transaction-scoped lock, so entries get gapless sequences in commit order. */
const APPEND_LOCK = 0x61756469; // "audi"

@Injectable()
export class AuditRepository {
  constructor(private readonly db: DataSource) {}

  /** The newest entry, read under the append lock (held until the transaction ends). */
  async lockedHead(tx: SqlExecutor): Promise<Pick<AuditEntry, 'sequence' | 'hash'> | undefined> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
    const rows = (await tx.query('SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1')) as { sequence: string; hash: string }[];
    return rows[0] && { sequence: Number(rows[0].sequence), hash: rows[0].hash };
  }

  async insert(tx: SqlExecutor, entry: AuditEntry): Promise<void> {
    await tx.query(`INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
      entry.sequence, entry.time, entry.actor, entry.action, entry.modelName, entry.version, entry.reason,
      JSON.stringify(entry.before), JSON.stringify(entry.after), entry.previousHash, entry.hash,
    ]);
  }

  async list(filter: AuditFilter, offset: number, limit: number): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.modelName) add('model_name = ?', filter.modelName);
    if (filter.version) add('version = ?', filter.version);
    if (filter.actor) add('actor = ?', filter.actor);
    if (filter.action) add('action = ?', filter.action);
    if (filter.from) add('time >= ?', filter.from);
    if (filter.to) add('time < ?', filter.to);
    params.push(limit, offset);
    const rows = await this.db.query<Row[]>(
      `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY sequence LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toEntry);
  }

  /** The highest sequence stored (0 when empty). */
  async headSequence(): Promise<number> {
    const rows = await this.db.query<{ head: string | null }[]>('SELECT max(sequence) AS head FROM audit_log');
    return Number(rows[0].head ?? 0);
  }

  /** The stored hash of an entry (the anchor a range is verified from). */
  async hashOf(sequence: number): Promise<string | undefined> {
    const rows = await this.db.query<{ hash: string }[]>('SELECT hash FROM audit_log WHERE sequence = $1', [sequence]);
    return rows[0]?.hash;
  }

  /** Entries in sequence order, streamed: a long log is verified without holding it in memory. */
  async *range(from: number, to: number | undefined): AsyncGenerator<AuditEntry> {
    const sql = `SELECT ${COLUMNS} FROM audit_log WHERE sequence >= $1 ${to ? 'AND sequence <= $2' : ''} ORDER BY sequence`;
    for await (const row of streamQuery<Row>(this.db, sql, to ? [from, to] : [from])) yield toEntry(row);
  }
}
