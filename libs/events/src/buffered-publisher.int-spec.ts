import { type KafkaMessage } from 'kafkajs';
import { eventsV1 } from '@mlops/proto';
import { createLogger } from '@mlops/telemetry';
import { eventually, infrastructure, KafkaProbe } from '@mlops/testing';
import { BufferedPublisher } from './buffered-publisher';
import { Events } from './catalog';
import { HEADER, headerText, PROTOBUF_CONTENT_TYPE, readEnvelope } from './envelope';
import { createKafka, ensureTopics } from './kafka';

const logger = createLogger('buffered-publisher-test', 'warn');
const EVENTS = 2_000;
const MODELS = 7;

describe('BufferedPublisher (real Kafka)', () => {
  const infra = infrastructure();
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'buffered-publisher-test', logger });
  const probe = new KafkaProbe(infra.kafkaBrokers);
  const predictions = Events.predictionLogged;
  // The catalog's real topic may carry other tests' predictions: this run's are told apart by their ids.
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [predictions]);
    await admin.disconnect();
    // From now on: the topic's history (earlier runs, benchmarks) is not this test's business.
    await probe.start([predictions.topic], { fromBeginning: false });
  });

  afterAll(() => probe.stop());

  it('delivers every prediction exactly once, decodable, keyed, with its envelope, in order per key', async () => {
    const publisher = new BufferedPublisher({ kafka, logger, name: 'prediction-log-test', maxBuffered: 10_000, maxBatch: 250, lingerMs: 20 });
    publisher.start();
    const accepted = Array.from({ length: EVENTS }, (_, seq) =>
      publisher.publish(
        predictions,
        eventsV1.PredictionLogged.fromPartial({
          requestId: `${run}-${seq}`,
          modelName: `model-${run}-${seq % MODELS}`,
          modelVersion: 3,
          arm: 'stable',
          predictedAt: new Date(),
          sampleRate: 1,
          protocol: 'predict',
        }),
      ),
    );
    expect(accepted.every(Boolean)).toBe(true);

    const ours = (messages: KafkaMessage[]) => messages.filter((m) => predictions.codec.decode(m.value!).requestId.startsWith(`${run}-`));
    await eventually(() => {
      const delivered = ours(probe.on(predictions.topic)).length;
      if (delivered < EVENTS) throw new Error(`only ${delivered} of ${EVENTS} delivered`);
    }, 60_000);
    await expect(publisher.stop(10_000)).resolves.toBe(0);
    expect(publisher.publishedTotal).toBe(EVENTS);
    expect(publisher.droppedTotal).toBe(0);

    const delivered = ours(probe.on(predictions.topic));
    const decoded = delivered.map((m) => ({ message: m, prediction: predictions.codec.decode(m.value!) }));
    expect(new Set(decoded.map((d) => d.prediction.requestId)).size).toBe(EVENTS);
    expect(delivered).toHaveLength(EVENTS);
    expect(new Set(delivered.map((m) => headerText(m.headers, HEADER.id))).size).toBe(EVENTS);

    const seqsByKey = new Map<string, number[]>();
    for (const { message, prediction } of decoded) {
      expect(message.key?.toString()).toBe(prediction.modelName);
      expect(readEnvelope(message.headers)).toMatchObject({ type: predictions.type, schemaVersion: predictions.version, producer: 'serving' });
      expect(headerText(message.headers, HEADER.contentType)).toBe(PROTOBUF_CONTENT_TYPE);
      const seq = Number(prediction.requestId.slice(run.length + 1));
      seqsByKey.set(prediction.modelName, [...(seqsByKey.get(prediction.modelName) ?? []), seq]);
    }
    expect(seqsByKey.size).toBe(MODELS);
    for (const seqs of seqsByKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('accepts events and stops within its timeout when no broker answers', async () => {
    const quiet = createLogger('buffered-publisher-test', 'silent');
    const unreachable = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'buffered-publisher-test', logger: quiet });
    const publisher = new BufferedPublisher({ kafka: unreachable, logger: quiet, name: 'unreachable-test', maxBuffered: 5, maxBatch: 2, lingerMs: 10 });
    publisher.start();
    const accepted = Array.from({ length: 8 }, (_, seq) => publisher.publish(predictions, eventsV1.PredictionLogged.fromPartial({ requestId: `${run}-down-${seq}`, modelName: 'down' })));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);

    const startedStopping = Date.now();
    await expect(publisher.stop(1_000)).resolves.toBe(5);
    expect(Date.now() - startedStopping).toBeLessThan(10_000);
    expect(publisher.droppedTotal).toBe(8);
  });
});
