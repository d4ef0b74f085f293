import { context, metrics, propagation, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { type ProducerBatch, type RecordMetadata } from 'kafkajs';
import { type Logger } from '@mlops/telemetry';
import { BufferedPublisher, type BufferedPublisherOptions } from './buffered-publisher';
import { HEADER, headerText, readEnvelope } from './envelope';
import { defineEvent, type MessageCodec } from './event-definition';

interface Reading {
  sensor: string;
  seq: number;
}

const jsonCodec: MessageCodec<Reading> = {
  encode: (reading) => ({ finish: () => Buffer.from(JSON.stringify(reading)) }),
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString()) as Reading,
};
const readingDefinition = (type: string, codec = jsonCodec) =>
  defineEvent<Reading>({ type, version: 1, producer: 'test', partitions: 3, keyDescription: 'sensor', key: (r) => r.sensor, codec });
const readings = readingDefinition('test.reading');
const alerts = readingDefinition('test.alert');

interface Delivered {
  topic: string;
  key: string;
  seq: number;
  headers: Record<string, string>;
}

/** Answers sends as told (acknowledge by default) and records what it acknowledged, in order. */
class FakeProducer {
  readonly delivered: Delivered[] = [];
  readonly sentAt: number[] = [];
  answer: 'acknowledge' | 'refuse' | 'hang' = 'acknowledge';
  readonly connect = jest.fn(() => Promise.resolve());
  readonly disconnect = jest.fn(() => Promise.resolve());
  readonly sendBatch = jest.fn((batch: ProducerBatch): Promise<RecordMetadata[]> => {
    this.sentAt.push(Date.now());
    if (this.answer === 'refuse') return Promise.reject(new Error('broker unavailable'));
    if (this.answer === 'hang') return new Promise(() => undefined);
    for (const { topic, messages } of batch.topicMessages ?? []) {
      for (const message of messages) {
        const headers = message.headers as Record<string, string>;
        this.delivered.push({ topic, key: String(message.key), seq: jsonCodec.decode(message.value as Buffer).seq, headers });
      }
    }
    return Promise.resolve([]);
  });

  seqs(): number[] {
    return this.delivered.map((d) => d.seq);
  }

  requests(): number[][] {
    return this.sendBatch.mock.calls.map(([batch]) => (batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => jsonCodec.decode(m.value as Buffer).seq)));
  }
}

function fakeLogger() {
  const log = { warn: jest.fn(), info: jest.fn(), error: jest.fn() };
  const logger = { child: () => log } as unknown as Logger;
  return { logger, log };
}

type Settings = Partial<Pick<BufferedPublisherOptions, 'maxBuffered' | 'maxBatch' | 'lingerMs'>>;

function setUp(settings: Settings = {}) {
  const producer = new FakeProducer();
  const { logger, log } = fakeLogger();
  const publisher = new BufferedPublisher({ producer, logger, name: 'test-log', maxBuffered: 100, maxBatch: 10, lingerMs: 50, ...settings });
  return { producer, log, publisher };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const publishRange = (publisher: BufferedPublisher, from: number, to: number, sensor = 'a') => range(from, to).map((seq) => publisher.publish(readings, { sensor, seq }));
/** Lets the flush loop run: due timers fire and pending promise callbacks settle. */
const advance = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('BufferedPublisher', () => {
  describe('batching', () => {
    it('sends a full batch at once, without waiting for the linger', async () => {
      const { producer, publisher } = setUp({ maxBatch: 3, lingerMs: 60_000 });
      publisher.start();
      publishRange(publisher, 0, 4);
      await advance();
      expect(producer.requests()).toEqual([[0, 1, 2]]);
      expect(publisher.pending).toBe(1);
    });

    it('sends a smaller batch once its oldest event has lingered', async () => {
      const { producer, publisher } = setUp({ maxBatch: 10, lingerMs: 50 });
      publisher.start();
      publishRange(publisher, 0, 1);
      await advance(30);
      publishRange(publisher, 1, 2);
      await advance(19);
      expect(producer.sendBatch).not.toHaveBeenCalled();
      await advance(1);
      expect(producer.requests()).toEqual([[0, 1]]);
    });

    it('keeps publish order across batches, one request per batch grouped by topic, keyed, with the envelope', async () => {
      const { producer, publisher } = setUp({ maxBatch: 4, lingerMs: 20 });
      publisher.start();
      for (const seq of range(0, 10)) publisher.publish(seq % 3 === 0 ? alerts : readings, { sensor: `s${seq % 2}`, seq });
      await advance(20);
      expect(producer.requests()).toEqual([[0, 3, 1, 2], [4, 5, 7, 6], [8, 9]]);
      expect(producer.sendBatch.mock.calls[0][0]).toMatchObject({ acks: 1, topicMessages: [{ topic: alerts.topic }, { topic: readings.topic }] });
      const byTopic = (topic: string) => producer.delivered.filter((d) => d.topic === topic).map((d) => d.seq);
      expect(byTopic(alerts.topic)).toEqual([0, 3, 6, 9]);
      expect(byTopic(readings.topic)).toEqual([1, 2, 4, 5, 7, 8]);
      for (const { key, seq, topic, headers } of producer.delivered) {
        expect(key).toBe(`s${seq % 2}`);
        expect(readEnvelope(headers).type).toBe(topic === alerts.topic ? alerts.type : readings.type);
      }
      expect(new Set(producer.delivered.map((d) => d.headers[HEADER.id])).size).toBe(10);
      expect(publisher.publishedTotal).toBe(10);
    });
  });

  describe('the caller', () => {
    it('is never held up: publish only queues, and encodes nothing', async () => {
      const encode = jest.fn(jsonCodec.encode);
      const spied = readingDefinition('test.spied', { ...jsonCodec, encode });
      const { producer, publisher } = setUp({ maxBatch: 1 });
      publisher.start();
      await advance();
      expect(publisher.publish(spied, { sensor: 'a', seq: 0 })).toBe(true);
      expect(producer.sendBatch).not.toHaveBeenCalled();
      expect(encode).not.toHaveBeenCalled();
      await advance();
      expect(producer.sendBatch).toHaveBeenCalledTimes(1);
      expect(encode).toHaveBeenCalledTimes(1);
    });

    it('never sees Kafka errors: publish does not throw when the producer throws or cannot connect', async () => {
      const { producer, publisher } = setUp({ maxBatch: 1 });
      producer.connect.mockImplementationOnce(() => Promise.reject(new Error('no brokers')));
      producer.sendBatch.mockImplementation(() => {
        throw new Error('thrown, not rejected');
      });
      expect(() => publisher.start()).not.toThrow();
      expect(publishRange(publisher, 0, 3)).toEqual([true, true, true]);
      await advance(10_000);
      expect(publishRange(publisher, 3, 5)).toEqual([true, true]);
      expect(producer.sendBatch).toHaveBeenCalled();
      expect(publisher.pending).toBe(5);
    });
  });

  describe('when Kafka is slow or down', () => {
    it('holds at most maxBuffered events, the hanging batch included, and drops and counts the rest', async () => {
      const { producer, publisher, log } = setUp({ maxBuffered: 5, maxBatch: 2, lingerMs: 0 });
      producer.answer = 'hang';
      publisher.start();
      publishRange(publisher, 0, 2);
      await advance();
      expect(publishRange(publisher, 2, 8)).toEqual([true, true, true, false, false, false]);
      await advance(60_000);
      expect(producer.sendBatch).toHaveBeenCalledTimes(1); // one send in flight at a time
      expect(publisher.pending).toBe(5);
      expect(publisher.droppedTotal).toBe(3);
      expect(log.warn).toHaveBeenCalledTimes(1); // the buffer filling up, once
    });

    it('keeps retrying a refused batch with exponential backoff capped at 5 s, warning once', async () => {
      const { producer, publisher, log } = setUp({ maxBuffered: 10, maxBatch: 5 });
      producer.answer = 'refuse';
      publisher.start();
      expect(publishRange(publisher, 0, 12).filter((accepted) => !accepted)).toHaveLength(2);
      await advance(120_000);
      const gaps = producer.sentAt.slice(1).map((at, i) => at - producer.sentAt[i]);
      expect(gaps.length).toBeGreaterThan(20);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(5_000);
      expect(Math.min(...gaps.slice(10))).toBeGreaterThanOrEqual(2_500); // full jitter over the capped delay
      expect(gaps[0]).toBeLessThan(gaps[9]);
      expect(new Set(producer.requests().map((seqs) => seqs.join()))).toEqual(new Set(['0,1,2,3,4']));
      expect(log.warn.mock.calls.filter(([, message]) => String(message).startsWith('Kafka unavailable'))).toHaveLength(1);
      expect(publisher.pending).toBe(10);
    });

    it('after failures, delivers every event it kept exactly once and in order, the failed batch first', async () => {
      const { producer, publisher, log } = setUp({ maxBuffered: 20, maxBatch: 5, lingerMs: 10 });
      producer.answer = 'refuse';
      publisher.start();
      publishRange(publisher, 0, 7);
      await advance(3_000);
      publishRange(publisher, 7, 12);
      expect(producer.delivered).toEqual([]);
      producer.answer = 'acknowledge';
      await advance(10_000);
      expect(producer.seqs()).toEqual(range(0, 12));
      expect(publisher.publishedTotal).toBe(12);
      expect(publisher.droppedTotal).toBe(0);
      expect(publisher.pending).toBe(0);
      expect(log.info).toHaveBeenCalledWith(expect.objectContaining({ droppedMeanwhile: 0 }), 'Kafka available again');
    });

    it('connects in the background, retrying with one warning per outage, and sends what waited', async () => {
      const { producer, publisher, log } = setUp();
      producer.connect.mockRejectedValueOnce(new Error('down')).mockRejectedValueOnce(new Error('down')).mockRejectedValueOnce(new Error('down'));
      publisher.start();
      publishRange(publisher, 0, 3);
      await advance(10_000);
      expect(producer.connect).toHaveBeenCalledTimes(4);
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.info).toHaveBeenCalledTimes(1);
      expect(producer.seqs()).toEqual([0, 1, 2]);
    });

    it('drops an event whose payload cannot be encoded instead of retrying it forever', async () => {
      const picky = readingDefinition('test.picky', {
        ...jsonCodec,
        encode: (reading) => {
          if (reading.seq === 1) throw new Error('invalid payload');
          return jsonCodec.encode(reading);
        },
      });
      const { producer, publisher, log } = setUp();
      publisher.start();
      for (const seq of range(0, 3)) publisher.publish(picky, { sensor: 'a', seq });
      await advance(100);
      expect(producer.seqs()).toEqual([0, 2]);
      expect(publisher.droppedTotal).toBe(1);
      expect(log.error).toHaveBeenCalledTimes(1);
    });
  });

  describe('stop', () => {
    it('sends what is waiting without lingering, then disconnects', async () => {
      const { producer, publisher } = setUp({ lingerMs: 60_000 });
      publisher.start();
      publishRange(publisher, 0, 3);
      await advance();
      await expect(publisher.stop(1_000)).resolves.toBe(0);
      expect(producer.seqs()).toEqual([0, 1, 2]);
      expect(producer.disconnect).toHaveBeenCalledTimes(1);
    });

    it('gives up at its deadline, counting what is left unsent as dropped, and refuses new events', async () => {
      const { producer, publisher } = setUp({ maxBatch: 2, lingerMs: 0 });
      producer.answer = 'hang';
      publisher.start();
      publishRange(publisher, 0, 5);
      await advance();
      let unsent: number | undefined;
      void publisher.stop(1_000).then((n) => (unsent = n));
      await advance(999);
      expect(unsent).toBeUndefined();
      await advance(1);
      expect(unsent).toBe(5);
      expect(publisher.droppedTotal).toBe(5);
      expect(publisher.pending).toBe(0);
      expect(publishRange(publisher, 5, 6)).toEqual([false]);
      expect(publisher.droppedTotal).toBe(6);
      expect(producer.disconnect).toHaveBeenCalledTimes(1);
    });

    it('keeps retrying refused sends until its deadline and delivers if Kafka comes back in time', async () => {
      const { producer, publisher } = setUp();
      producer.answer = 'refuse';
      publisher.start();
      publishRange(publisher, 0, 3);
      await advance(1_000);
      const stopped = publisher.stop(10_000);
      setTimeout(() => (producer.answer = 'acknowledge'), 4_000);
      await advance(10_000);
      await expect(stopped).resolves.toBe(0);
      expect(producer.seqs()).toEqual([0, 1, 2]);
    });

    it('cuts a backoff short to try once more at once', async () => {
      const { producer, publisher } = setUp();
      producer.answer = 'refuse';
      publisher.start();
      publishRange(publisher, 0, 3);
      await advance(30_000);
      producer.answer = 'acknowledge';
      await expect(publisher.stop(10_000)).resolves.toBe(0);
      expect(producer.seqs()).toEqual([0, 1, 2]);
    });

    it('returns at once when nothing is buffered, even while Kafka is unreachable', async () => {
      const { producer, publisher } = setUp();
      producer.connect.mockImplementation(() => new Promise<void>(() => undefined));
      publisher.start();
      await advance(1_000);
      await expect(publisher.stop(30_000)).resolves.toBe(0);
    });

    it('drops what was published when it was never started', async () => {
      const { producer, publisher } = setUp();
      publishRange(publisher, 0, 2);
      await expect(publisher.stop(1_000)).resolves.toBe(2);
      expect(producer.connect).not.toHaveBeenCalled();
      expect(publisher.droppedTotal).toBe(2);
    });
  });

  it('refuses settings that could never send a full batch', () => {
    expect(() => setUp({ maxBuffered: 5, maxBatch: 10 })).toThrow(RangeError);
    expect(() => setUp({ maxBatch: 0 })).toThrow(RangeError);
  });
});

describe('BufferedPublisher tracing', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    context.setGlobalContextManager(new StackContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  });

  afterAll(() => {
    trace.disable();
    propagation.disable();
    context.disable();
  });

  const callerSpan = (n: number): SpanContext => ({ traceId: String(n).repeat(32), spanId: String(n).repeat(16), traceFlags: TraceFlags.SAMPLED });

  it('carries each caller\'s trace context, captured at publish, and joins the first one\'s trace in a span linking the others', async () => {
    const { producer, publisher } = setUp();
    publisher.start();
    for (const n of [1, 2, 3]) context.with(trace.setSpanContext(ROOT_CONTEXT, callerSpan(n)), () => publisher.publish(readings, { sensor: 'a', seq: n }));
    await advance(50);

    expect(producer.delivered.map((d) => headerText(d.headers, HEADER.traceparent))).toEqual([1, 2, 3].map((n) => `00-${callerSpan(n).traceId}-${callerSpan(n).spanId}-01`));
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('test-log publish');
    expect(span.spanContext().traceId).toBe(callerSpan(1).traceId);
    expect(span.parentSpanContext?.spanId).toBe(callerSpan(1).spanId);
    expect(span.links.map((l) => l.context.spanId)).toEqual([callerSpan(2).spanId, callerSpan(3).spanId]);
    expect(span.attributes).toMatchObject({ 'messaging.destination.name': readings.topic, 'messaging.batch.message_count': 3 });
  });
});

describe('BufferedPublisher metrics', () => {
  class CollectingReader extends MetricReader {
    protected onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
    protected onShutdown(): Promise<void> {
      return Promise.resolve();
    }
  }
  const reader = new CollectingReader();
  let Publisher: typeof BufferedPublisher;

  beforeAll(() => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    // The instruments bind to the meter provider registered when the module loads, as in a service.
    jest.isolateModules(() => {
      Publisher = jest.requireActual<{ BufferedPublisher: typeof BufferedPublisher }>('./buffered-publisher').BufferedPublisher;
    });
  });

  afterAll(() => metrics.disable());

  async function collected(name: string) {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value as number }));
  }

  it('counts published and dropped events and reports what is pending', async () => {
    const producer = new FakeProducer();
    const publisher = new Publisher({ producer, logger: fakeLogger().logger, name: 'metered', maxBuffered: 3, maxBatch: 2, lingerMs: 10 });
    publisher.start();
    publishRange(publisher, 0, 2);
    await advance();
    producer.answer = 'hang';
    publishRange(publisher, 2, 7);
    await advance(10);

    expect(await collected('events.buffered.published')).toEqual([{ attributes: { publisher: 'metered', topic: readings.topic }, value: 2 }]);
    expect(await collected('events.buffered.pending')).toEqual([{ attributes: { publisher: 'metered' }, value: 3 }]);
    expect(await collected('events.buffered.dropped')).toEqual([{ attributes: { publisher: 'metered', topic: readings.topic, reason: 'buffer_full' }, value: 2 }]);
    const stopped = publisher.stop(0);
    await advance();
    await stopped;
    expect(await collected('events.buffered.dropped')).toContainEqual({ attributes: { publisher: 'metered', topic: readings.topic, reason: 'shutdown' }, value: 3 });
  });
});
