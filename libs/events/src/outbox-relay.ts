import { metrics, SpanKind, trace } from '@opentelemetry/api';
import { type Producer } from 'kafkajs';
import { type TransactionRunner } from '@mlops/persistence';
import { sleep } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { batchTraceContext } from './batch-trace';
import { HEADER } from './envelope';

export interface OutboxRelayOptions {
  /** The owning service's schema; one relay at a time publishes from it. */
  schema: string;
  runInTransaction: TransactionRunner;
  producer: Producer;
  logger: Logger;
  pollIntervalMs: number;
  batchSize?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retentionMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: Buffer;
  headers: Record<string, string>;
  trace_context: Record<string, string>;
}

const meter = metrics.getMeter('@mlops/events');
const published = meter.createCounter('outbox.events.published', { description: 'Events shipped from the outbox to Kafka' });
const backlogGauge = meter.createObservableGauge('outbox.backlog', { description: 'Outbox events committed but not yet published' });
const tracer = trace.getTracer('@mlops/events');

/**
 * Ships committed outbox rows to Kafka, oldest first, then marks them published in the same
 * transaction that locked them. A crash between the send and the commit re-sends the rows on
 * restart: delivery is at-least-once and consumers deduplicate by event id. Replicas of a service
 * share the outbox; a transaction-scoped advisory lock lets one relay publish at a time so events
 * with the same key keep their order.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private backlog = 0;
  private lastCleanup = 0;
  private readonly observeBacklog = (result: { observe(value: number, attributes: Record<string, string>): void }) =>
    result.observe(this.backlog, { schema: this.options.schema });

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    backlogGauge.addCallback(this.observeBacklog);
    this.loop = this.run();
  }

  /** Lets the relay publish now rather than at its next poll (called on LISTEN/NOTIFY). */
  notify(): void {
    this.wake?.();
  }

  /** Finishes the batch in progress, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    backlogGauge.removeCallback(this.observeBacklog);
  }

  /** Publishes one batch; returns how many rows it shipped. Exposed for tests and tools. */
  async relayOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    return this.options.runInTransaction(async (tx) => {
      const [{ locked }] = (await tx.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`outbox:${this.options.schema}`])) as { locked: boolean }[];
      if (!locked) return 0;
      const rows = (await tx.query(
        'SELECT id, topic, key, payload, headers, trace_context FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1',
        [batchSize],
      )) as OutboxRow[];
      if (rows.length > 0) {
        await this.send(rows);
        await tx.query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
        published.add(rows.length, { schema: this.options.schema });
      }
      const [{ count }] = (await tx.query('SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL')) as { count: number }[];
      this.backlog = Math.max(0, count - rows.length);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      let shipped = 0;
      try {
        shipped = await this.relayOnce();
        await this.cleanupNow();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'outbox relay failed; will retry');
      }
      if (this.running && shipped === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(this.options.pollIntervalMs).then(resolve);
        });
        this.wake = undefined;
      }
    }
  }

  /**
   * Same-key rows go out in order, in as few requests as the broker's size limit allows (it applies
   * to a key's whole record batch, not to each message); different keys in parallel.
   */
  private async send(rows: OutboxRow[]): Promise<void> {
    const byKey = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const group = `${row.topic}\u0000${row.key}`;
      byKey.set(group, [...(byKey.get(group) ?? []), row]);
    }
    await Promise.all(
      [...byKey.values()].map(async (group) => {
        for (const part of splitBySize(group, MAX_REQUEST_BYTES)) await this.sendGroup(part);
      }),
    );
  }

  /**
   * One produce request per key keeps a burst of same-key events (a batch of dead-lettered records)
   * from costing one broker round trip each. The publish span joins the first event's trace and links
   * the others; a lone event, the usual case, keeps its caller's trace end to end.
   */
  private async sendGroup(group: OutboxRow[]): Promise<void> {
    const [first] = group;
    const { parent, links } = batchTraceContext(group.map((row) => row.trace_context));
    const attributes = { 'messaging.destination.name': first.topic, 'messaging.message.id': first.headers[HEADER.id], 'messaging.batch.message_count': group.length };
    await tracer.startActiveSpan(`outbox publish ${first.topic}`, { kind: SpanKind.INTERNAL, attributes, links }, parent, async (span) => {
      try {
        // The stored context travels as-is; when the kafkajs instrumentation is active it replaces it
        // with its producer span, a child of this publish span, so consumers join the same trace.
        const messages = group.map((row) => ({ key: row.key, value: row.payload, headers: { ...row.headers, ...row.trace_context } }));
        await this.options.producer.send({ topic: first.topic, acks: -1, messages });
      } finally {
        span.end();
      }
    });
  }

  private async cleanupNow(): Promise<void> {
    const retentionMs = this.options.retentionMs ?? 24 * 3600_000;
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.options.runInTransaction((tx) =>
      tx.query(`DELETE FROM outbox WHERE published_at < now() - ($1::bigint * interval '1 millisecond')`, [retentionMs]),
    );
  }
}

/** Well under Kafka's default message.max.bytes (1 MiB), which bounds a partition's record batch. */
export const MAX_REQUEST_BYTES = 512 * 1024;

/** Consecutive runs of rows whose payloads add up to at most `limit` bytes (a larger row goes alone). */
export function splitBySize<T extends { payload: Buffer }>(rows: T[], limit: number): T[][] {
  const parts: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const row of rows) {
    if (current.length > 0 && size + row.payload.length > limit) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += row.payload.length;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}
