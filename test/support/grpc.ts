import { type ServiceError } from '@grpc/grpc-js';
import { type Kafka } from 'kafkajs';

type Callback<T> = (error: ServiceError | null, response: T) => void;

/** A unary call as a promise. */
export const call = <T>(invoke: (cb: Callback<T>) => unknown) =>
  new Promise<T>((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));

/** The error a call must fail with; a call that succeeds fails the test. */
export const failure = (promise: Promise<unknown>) => promise.then(() => Promise.reject(new Error('expected the call to fail')), (e: ServiceError) => e);

/** An upstream topic for a test's own producer. */
export async function createTopic(kafka: Kafka, topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
}
