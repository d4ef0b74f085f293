import { context, metrics, type ObservableResult, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { type Producer } from 'kafkajs';
import { backoffDelay, sleep } from '@mlops/resilience';
import { type Logger } from '@mlops/telemetry';
import { batchTraceContext } from './batch-trace';
import { envelopeHeaders, type EventEnvelope, HEADER, newEnvelope } from './envelope';
import { type EventDefinition } from './event-definition';
import { createProducer, type KafkaClient } from './kafka';
import { MAX_REQUEST_BYTES, splitBySize } from './outbox-relay';

/** What the publisher needs of a kafkajs producer; tests hand in a fake one. */
export type BatchProducer = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;

interface BufferedPublisherSettings {
  logger: Logger;
  /** Names the stream in metrics, logs and spans, e.g. `prediction-log`. */
  name: string;
  /** Most events held at once, the batch being sent included; beyond it new events are dropped. */
  maxBuffered: number;
  /** Most events per produce request; once this many wait they go out without lingering. */
  maxBatch: number;
  /** How long the oldest waiting event waits for others to join its batch. */
  lingerMs: number;
}

export type BufferedPublisherOptions = BufferedPublisherSettings &
  (
    | { kafka: KafkaClient; producer?: never }
    /** Tests only: a producer standing in for the one otherwise created from `kafka`. */
    | { producer: BatchProducer; kafka?: never }
  );

type DropReason = 'buffer_full' | 'shutdown' | 'unencodable';

/** An accepted event as publish() leaves it: nothing computed that can wait for the flush. */
interface WaitingEvent {
  definition: EventDefinition;
  payload: unknown;
  envelope: EventEnvelope;
  traceContext: Record<string, string>;
  queuedAt: number;
}

/** An event taken into a batch: encoded, and kept until Kafka acknowledges it. */
interface OutgoingEvent {
  topic: string;
  key: string;
  payload: Buffer;
  /** Envelope headers and the publishing call's trace context. */
  headers: Record<string, string>;
}

const meter = metrics.getMeter('@mlops/events');
const publishedCounter = meter.createCounter('events.buffered.published', { description: 'Events a buffered publisher delivered to Kafka' });
const droppedCounter = meter.createCounter('events.buffered.dropped', { description: 'Events a buffered publisher dropped, by reason' });
const pendingGauge = meter.createObservableGauge('events.buffered.pending', { description: 'Events held by a buffered publisher, the batch being sent included' });
const tracer = trace.getTracer('@mlops/events');

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 5_000;
const GAVE_UP = Symbol('gave up');

/**
 * Fire-and-forget publishing for high-volume telemetry (the prediction log): publish() only queues
 * the event and returns, a background loop sends batches. When Kafka is slow or down, events wait
 * in a bounded buffer and the overflow is dropped and counted, so callers never wait on Kafka.
 * It has its own producer, so its backlog never queues up in front of the transactional outbox.
 *
 * Delivery is at most once for what is dropped and at least once for the rest: a batch whose send
 * failed is sent again, and some of it may have landed the first time; consumers deduplicate by
 * event id. One send is in flight at a time and a failed batch is retried before anything newer,
 * so events with the same key keep their order.
 */
export class BufferedPublisher {
  private readonly producer: BatchProducer;
  private readonly log: Logger;
  /** Accepted and not yet taken into a batch, oldest first. */
  private readonly queue: WaitingEvent[] = [];
  /** The batch being sent: it stays here, in order, until Kafka acknowledges it. */
  private readonly batch: OutgoingEvent[] = [];
  private connected = false;
  private loop?: Promise<'drained' | 'gave_up'>;
  private stopping?: Promise<number>;
  private wake?: () => void;
  private readonly stopRequested = new AbortController();
  /** Aborted when stop() stops waiting for Kafka: at its deadline, or at once with nothing left to send. */
  private readonly giveUp = new AbortController();
  private readonly gaveUp = new Promise<typeof GAVE_UP>((resolve) => this.giveUp.signal.addEventListener('abort', () => resolve(GAVE_UP), { once: true }));
  private outage?: { since: number; droppedBefore: number };
  private reportedFull = false;
  private published = 0;
  private dropped = 0;
  private readonly observePending = (result: ObservableResult) => result.observe(this.pending, { publisher: this.options.name });

  constructor(private readonly options: BufferedPublisherOptions) {
    if (!(options.maxBatch >= 1 && options.maxBuffered >= options.maxBatch && options.lingerMs >= 0)) {
      throw new RangeError(`BufferedPublisher ${options.name} needs 1 <= maxBatch <= maxBuffered and lingerMs >= 0`);
    }
    this.producer = options.producer ?? createProducer(options.kafka);
    this.log = options.logger.child({ component: 'buffered-publisher', publisher: options.name });
  }

  /** Events held: waiting, or in the batch being sent. */
  get pending(): number {
    return this.queue.length + this.batch.length;
  }

  /** Whether publish() would drop an event now: a caller can skip building one. */
  get full(): boolean {
    return this.pending >= this.options.maxBuffered;
  }

  get droppedTotal(): number {
    return this.dropped;
  }

  get publishedTotal(): number {
    return this.published;
  }

  /** Connects and sends in the background; returns at once and never fails, however long Kafka is down. */
  start(): void {
    if (this.loop || this.stopping) return;
    pendingGauge.addCallback(this.observePending);
    this.loop = this.run();
  }

  /**
   * Queues an event and returns at once: true if it was accepted, false if it was dropped (buffer
   * full, or stopping). Events published before start() wait for it. The payload is encoded when
   * its batch is sent, so it must not be changed after this call.
   */
  publish<T>(definition: EventDefinition<T>, payload: T): boolean {
    if (this.stopRequested.signal.aborted) return this.drop(definition.topic, 'shutdown');
    if (this.full) {
      if (!this.reportedFull) {
        this.reportedFull = true;
        this.log.warn({ maxBuffered: this.options.maxBuffered }, 'buffer full; dropping new events until it drains');
      }
      return this.drop(definition.topic, 'buffer_full');
    }
    // The caller's trace context, so the flush's span and every consumer join this trace.
    const traceContext: Record<string, string> = {};
    propagation.inject(context.active(), traceContext);
    this.queue.push({ definition, payload, envelope: newEnvelope(definition), traceContext, queuedAt: Date.now() });
    // The loop wakes when a linger starts or a full batch waits; it runs after this returns, never inside.
    if (this.queue.length === 1 || this.queue.length === this.options.maxBatch) this.wake?.();
    return true;
  }

  /**
   * Stops accepting events, sends what it can within `timeoutMs`, then disconnects. Resolves to the
   * number of events left unsent, which count as dropped (reason `shutdown`). A send still in
   * flight at the deadline is abandoned: its events count as dropped though they may yet arrive.
   */
  stop(timeoutMs: number): Promise<number> {
    return (this.stopping ??= this.shutDown(timeoutMs));
  }

  private async shutDown(timeoutMs: number): Promise<number> {
    this.stopRequested.abort();
    this.wake?.();
    // Nothing to send: no reason to wait for a connection that may never come.
    if (this.pending === 0) this.giveUp.abort();
    const deadline = setTimeout(() => this.giveUp.abort(), timeoutMs);
    const outcome = await this.loop;
    clearTimeout(deadline);
    pendingGauge.removeCallback(this.observePending);
    const unsent = this.dropUnsent();
    if (unsent > 0) this.log.warn({ unsent }, 'stopped with events unsent; they are dropped');
    if (this.loop) {
      const disconnecting = this.producer.disconnect().catch((error: unknown) => this.log.warn({ err: error }, 'producer disconnect failed'));
      // kafkajs's disconnect waits for requests in flight, which an unreachable broker holds until they time out.
      if (outcome === 'drained') await disconnecting;
    }
    return unsent;
  }

  private async run(): Promise<'drained' | 'gave_up'> {
    let failures = 0;
    for (;;) {
      if (this.connected) await this.batchDue();
      if (this.stopRequested.signal.aborted && this.pending === 0) return 'drained';
      if (this.giveUp.signal.aborted) return 'gave_up';
      try {
        if ((this.connected ? await this.flush() : await this.connect()) === GAVE_UP) return 'gave_up';
        failures = 0;
        this.endOutage();
      } catch (error) {
        failures += 1;
        this.beginOutage(error);
        // stop() cuts a backoff short for one more try; the backoffs after that run until its deadline.
        const interruptedBy = this.stopRequested.signal.aborted ? this.giveUp.signal : this.stopRequested.signal;
        await sleep(backoffDelay(failures, RETRY_BASE_MS, RETRY_MAX_MS), interruptedBy);
      }
    }
  }

  /** Waits until a batch should go out: one is due for a retry, maxBatch events wait, the oldest has lingered, or stop() asks for everything. */
  private async batchDue(): Promise<void> {
    for (;;) {
      if (this.stopRequested.signal.aborted || this.batch.length > 0 || this.queue.length >= this.options.maxBatch) return;
      const lingerLeft = this.queue.length > 0 ? this.queue[0].queuedAt + this.options.lingerMs - Date.now() : undefined;
      if (lingerLeft !== undefined && lingerLeft <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = lingerLeft === undefined ? undefined : setTimeout(resolve, lingerLeft);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async connect(): Promise<typeof GAVE_UP | undefined> {
    if ((await this.beforeGivingUp(this.producer.connect())) === GAVE_UP) return GAVE_UP;
    this.connected = true;
    return undefined;
  }

  /**
   * Sends the batch (taking a new one unless the last failed), in as few requests as the broker's
   * size limit allows. Throws when Kafka refuses; what was not acknowledged stays for the retry.
   */
  private async flush(): Promise<typeof GAVE_UP | undefined> {
    if (this.batch.length === 0) this.takeBatch();
    for (const part of splitBySize(this.batch, MAX_REQUEST_BYTES)) {
      const byTopic = groupByTopic(part);
      if ((await this.beforeGivingUp(this.send(part, byTopic))) === GAVE_UP) return GAVE_UP;
      this.batch.splice(0, part.length);
      this.published += part.length;
      for (const [topic, events] of byTopic) publishedCounter.add(events.length, { publisher: this.options.name, topic });
    }
    // Half empty before warning again, so a buffer hovering at its bound warns once, not every flush.
    if (this.pending <= this.options.maxBuffered / 2) this.reportedFull = false;
    return undefined;
  }

  /** Moves the oldest waiting events into the batch, encoding them here, off the publishers' path. */
  private takeBatch(): void {
    let unencodable = 0;
    let firstError: unknown;
    for (const event of this.queue.splice(0, this.options.maxBatch)) {
      try {
        this.batch.push(encode(event));
      } catch (error) {
        // Retrying cannot fix a payload the codec rejects, and it would hold back every event behind it.
        unencodable += 1;
        firstError ??= error;
        this.drop(event.definition.topic, 'unencodable');
      }
    }
    if (unencodable > 0) this.log.error({ err: firstError, unencodable }, 'dropped events that cannot be encoded');
  }

  /**
   * One produce request, grouped by topic. Its span joins the first event's trace and links the
   * others. The kafkajs instrumentation is suppressed for it: it would add a span per message (a
   * large share of a busy server's CPU) and replace each event's own trace context in its headers,
   * where each event keeps the trace of the call that published it.
   */
  private async send(part: OutgoingEvent[], byTopic: Map<string, OutgoingEvent[]>): Promise<void> {
    const [first] = part;
    // The headers carry each event's trace context (the propagator reads only traceparent/tracestate).
    const { parent, links } = batchTraceContext(part.map((event) => event.headers));
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.destination.name': [...byTopic.keys()].join(','),
      'messaging.message.id': first.headers[HEADER.id],
      'messaging.batch.message_count': part.length,
    };
    await tracer.startActiveSpan(`${this.options.name} publish`, { kind: SpanKind.INTERNAL, attributes, links }, parent, async (span) => {
      try {
        await context.with(suppressTracing(context.active()), () => this.producer.sendBatch({
          // The partition leader's acknowledgement only: losing the last few records of a sampled
          // telemetry stream in a leader failover is acceptable, and not waiting for the replicas
          // keeps each send short, so the buffer drains fast. Lifecycle events go through the
          // outbox with acks=-1.
          acks: 1,
          topicMessages: [...byTopic].map(([topic, events]) => ({
            topic,
            messages: events.map(({ key, payload, headers }) => ({ key, value: payload, headers })),
          })),
        }));
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Waits for `work` unless stop() gives up first; abandoned work carries on unobserved. */
  private beforeGivingUp<T>(work: Promise<T>): Promise<T | typeof GAVE_UP> {
    return Promise.race([work, this.gaveUp]);
  }

  private drop(topic: string, reason: DropReason, count = 1): false {
    this.dropped += count;
    droppedCounter.add(count, { publisher: this.options.name, topic, reason });
    return false;
  }

  private dropUnsent(): number {
    const unsent = this.pending;
    const byTopic = new Map<string, number>();
    for (const topic of [...this.batch.map((e) => e.topic), ...this.queue.map((e) => e.definition.topic)]) byTopic.set(topic, (byTopic.get(topic) ?? 0) + 1);
    for (const [topic, count] of byTopic) this.drop(topic, 'shutdown', count);
    this.batch.length = 0;
    this.queue.length = 0;
    return unsent;
  }

  /** Logged once per outage, not per attempt: kafkajs already logs each failed request. */
  private beginOutage(error: unknown): void {
    if (this.outage) return;
    this.outage = { since: Date.now(), droppedBefore: this.dropped };
    this.log.warn({ err: error, pending: this.pending }, 'Kafka unavailable; buffering events and retrying');
  }

  private endOutage(): void {
    if (!this.outage) return;
    this.log.info({ outageMs: Date.now() - this.outage.since, droppedMeanwhile: this.dropped - this.outage.droppedBefore }, 'Kafka available again');
    this.outage = undefined;
  }
}

function encode(event: WaitingEvent): OutgoingEvent {
  const { definition, payload, envelope, traceContext } = event;
  return {
    topic: definition.topic,
    key: definition.key(payload),
    payload: Buffer.from(definition.codec.encode(payload).finish()),
    headers: { ...envelopeHeaders(envelope), ...traceContext },
  };
}

function groupByTopic(events: OutgoingEvent[]): Map<string, OutgoingEvent[]> {
  const byTopic = new Map<string, OutgoingEvent[]>();
  for (const event of events) {
    const group = byTopic.get(event.topic);
    if (group) group.push(event);
    else byTopic.set(event.topic, [event]);
  }
  return byTopic;
}
