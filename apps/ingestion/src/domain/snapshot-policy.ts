/** When a dataset freezes a snapshot on its own, besides on demand. Either bound, or both. */
export interface SnapshotPolicy {
  /** A snapshot once this many rows were stored since the latest one. */
  everyRows?: number;
  /** A snapshot once this long has passed since the latest one, if rows were stored since. */
  everySeconds?: number;
}

export interface SnapshotProgress {
  /** Rows stored in the dataset so far. */
  storedRows: number;
  /** The latest snapshot of the dataset, whatever created it. */
  latest?: { storedRows: number; createdAt: Date };
}

export type PolicyTrigger = 'size' | 'schedule';

/** Which bound of the policy is reached, if any; a dataset with nothing new is never due. */
export function dueTrigger(policy: SnapshotPolicy, progress: SnapshotProgress, now: Date): PolicyTrigger | undefined {
  const newRows = progress.storedRows - (progress.latest?.storedRows ?? 0);
  if (newRows <= 0) return undefined;
  if (policy.everyRows !== undefined && newRows >= policy.everyRows) return 'size';
  if (policy.everySeconds !== undefined) {
    const elapsedMs = progress.latest ? now.getTime() - progress.latest.createdAt.getTime() : Number.POSITIVE_INFINITY;
    if (elapsedMs >= policy.everySeconds * 1000) return 'schedule';
  }
  return undefined;
}
