import { type IHeaders, type Producer } from 'kafkajs';
import { deadLetterTopic } from './event-definition';

/** A message that cannot be applied, where it came from and why. */
export interface DeadLetterMessage {
  consumerGroup: string;
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers: IHeaders | undefined;
  reason: string;
  attempts: number;
}

/**
 * Sends messages to their consumer group's dead-letter topic, unchanged, with headers saying where
 * each came from and why it could not be applied, so it can be inspected and replayed.
 */
export async function sendToDeadLetter(producer: Producer, letters: DeadLetterMessage[]): Promise<void> {
  for (const chunk of chunksUnder(letters, MAX_REQUEST_BYTES)) await send(producer, chunk);
}

/** Well under the broker's default 1 MB record batch: a batch of bad messages must not be refused for its size. */
const MAX_REQUEST_BYTES = 512 * 1024;

function* chunksUnder(letters: DeadLetterMessage[], maxBytes: number): Generator<DeadLetterMessage[]> {
  let chunk: DeadLetterMessage[] = [];
  let bytes = 0;
  for (const letter of letters) {
    const size = (letter.value?.length ?? 0) + 1024; // headers and key, roughly
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      [chunk, bytes] = [[], 0];
    }
    chunk.push(letter);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

async function send(producer: Producer, letters: DeadLetterMessage[]): Promise<void> {
  const byTopic = new Map<string, DeadLetterMessage[]>();
  for (const letter of letters) {
    const topic = deadLetterTopic(letter.consumerGroup);
    const group = byTopic.get(topic) ?? [];
    group.push(letter);
    byTopic.set(topic, group);
  }
  await producer.sendBatch({
    acks: -1,
    topicMessages: [...byTopic].map(([topic, group]) => ({
      topic,
      messages: group.map((letter) => ({
        key: letter.key,
        value: letter.value,
        headers: {
          ...letter.headers,
          'dead-letter-reason': letter.reason,
          'dead-letter-attempts': String(letter.attempts),
          'dead-letter-topic': letter.topic,
          'dead-letter-partition': String(letter.partition),
          'dead-letter-offset': letter.offset,
          'dead-letter-consumer-group': letter.consumerGroup,
          'dead-letter-time': new Date().toISOString(),
        },
      })),
    })),
  });
}
