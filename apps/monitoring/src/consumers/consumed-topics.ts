import { type EventDefinition, ensureTopics, type KafkaClient } from '@mlops/events';

/**
 * The topics a batch consumer reads and its dead-letter topic: created here too, because monitoring
 * may start before the producers of its inputs have created them.
 */
export async function ensureConsumedTopics(kafka: KafkaClient, definition: EventDefinition<unknown>, consumerGroup: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [definition], consumerGroup);
  } finally {
    await admin.disconnect();
  }
}
