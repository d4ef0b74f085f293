import { createHash } from 'node:crypto';
import { canonicalJson } from '@mlops/documents';

/** What changed, by whom and why: the content of one audit entry, which its hash covers. */
export interface AuditRecord {
  sequence: number;
  time: Date;
  actor: string;
  action: string;
  modelName: string;
  /** 0 when the change is not about one version. */
  version: number;
  reason: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditEntry extends AuditRecord {
  previousHash: string;
  hash: string;
}

/** The previous hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * sha256 over the previous entry's hash and this entry's canonical content. Changing any field of
 * any entry, or removing or reordering one, changes every hash after it.
 */
export function entryHash(previousHash: string, record: AuditRecord): string {
  const content = canonicalJson({
    sequence: record.sequence, time: record.time.toISOString(), actor: record.actor, action: record.action,
    model_name: record.modelName, version: record.version, reason: record.reason, before: record.before ?? null, after: record.after ?? null,
  });
  return createHash('sha256').update(previousHash).update('\n').update(content).digest('hex');
}

/** The next entry after `head` (undefined for the first). */
export function chainedEntry(head: Pick<AuditEntry, 'sequence' | 'hash'> | undefined, record: Omit<AuditRecord, 'sequence'>): AuditEntry {
  const sequence = (head?.sequence ?? 0) + 1;
  const previousHash = head?.hash ?? GENESIS_HASH;
  const full = { ...record, sequence, before: plainJson(record.before), after: plainJson(record.after) };
  return { ...full, previousHash, hash: entryHash(previousHash, full) };
}

/** What the database gives back for a JSON column: hashing this form keeps write and verify in step. */
function plainJson(value: unknown): unknown {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
}

export interface ChainVerification {
  valid: boolean;
  entriesChecked: number;
  /** 0 when valid. */
  firstInvalidSequence: number;
  message: string;
  headHash: string;
}

/**
 * Checks a run of consecutive entries: sequences without gaps from `fromSequence`, each linked to the
 * hash before it (`anchorHash`, the stored hash of the entry before the run), each hash recomputed.
 * The first break is reported: an edited row fails its own hash, a deleted one leaves a gap.
 */
export async function verifyChain(entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>, fromSequence: number, anchorHash: string): Promise<ChainVerification> {
  let expectedSequence = fromSequence;
  let previousHash = anchorHash;
  let checked = 0;
  const broken = (sequence: number, message: string): ChainVerification => ({ valid: false, entriesChecked: checked, firstInvalidSequence: sequence, message, headHash: previousHash });
  for await (const entry of entries) {
    if (entry.sequence !== expectedSequence) return broken(expectedSequence, `entry ${expectedSequence} is missing (next is ${entry.sequence})`);
    if (entry.previousHash !== previousHash) return broken(entry.sequence, `entry ${entry.sequence} does not link to the entry before it (its previous_hash ${entry.previousHash.slice(0, 12)}… is not ${previousHash.slice(0, 12)}…)`);
    if (entryHash(entry.previousHash, entry) !== entry.hash) return broken(entry.sequence, `entry ${entry.sequence} was altered: its content no longer hashes to its stored hash`);
    previousHash = entry.hash;
    expectedSequence += 1;
    checked += 1;
  }
  return { valid: true, entriesChecked: checked, firstInvalidSequence: 0, message: checked === 0 ? 'no entries in range' : `${checked} entries verified`, headHash: previousHash };
}
