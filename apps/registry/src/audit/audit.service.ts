import { Injectable } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { type SqlExecutor } from '@mlops/persistence';
import { type AuditEntry, chainedEntry, type ChainVerification, GENESIS_HASH, verifyChain } from '../domain/audit-chain';
import { type AuditFilter, AuditRepository } from './audit.repository';

export interface AuditChange {
  actor: string;
  action: string;
  modelName: string;
  version?: number;
  reason?: string;
  before?: unknown;
  after?: unknown;
}

const brokenChains = metrics.getMeter('registry').createCounter('registry.audit.verification_failures', { description: 'Audit log verifications that found the chain broken' });

/** The hash-chained audit log: every change is recorded in the transaction that makes it. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  async record(tx: SqlExecutor, change: AuditChange): Promise<AuditEntry> {
    const head = await this.repository.lockedHead(tx);
    const entry = chainedEntry(head, { ...change, version: change.version ?? 0, reason: change.reason ?? '', time: new Date() });
    await this.repository.insert(tx, entry);
    return entry;
  }

  list(filter: AuditFilter, offset: number, limit: number): Promise<AuditEntry[]> {
    return this.repository.list(filter, offset, limit);
  }

  async verify(fromSequence: number, toSequence: number | undefined): Promise<ChainVerification> {
    const from = Math.max(fromSequence, 1);
    const head = await this.repository.headSequence();
    if (from > head + 1 || (toSequence !== undefined && toSequence > head)) {
      return { valid: false, entriesChecked: 0, firstInvalidSequence: 0, message: `the log ends at entry ${head}; the range asked for goes past it`, headHash: '' };
    }
    const anchor = from === 1 ? GENESIS_HASH : await this.repository.hashOf(from - 1);
    if (anchor === undefined) return { valid: false, entriesChecked: 0, firstInvalidSequence: from - 1, message: `entry ${from - 1}, which the range links to, is missing`, headHash: '' };
    const verification = await verifyChain(this.repository.range(from, toSequence), from, anchor);
    if (!verification.valid) brokenChains.add(1);
    return verification;
  }
}
