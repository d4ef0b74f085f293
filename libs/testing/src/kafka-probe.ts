import { type Consumer, Kafka, type KafkaMessage, logLevel } from 'kafkajs';

/** Reads what really landed on topics, with its own throwaway consumer group. */
export class KafkaProbe {
  readonly messages: { topic: string; message: KafkaMessage }[] = [];
  private readonly kafka: Kafka;
  private consumer?: Consumer;

  constructor(brokers: string[]) {
    this.kafka = new Kafka({ clientId: 'test-probe', brokers, logLevel: logLevel.NOTHING });
  }

  get client(): Kafka {
    return this.kafka;
  }

  /**
   * Subscribes and resolves once the probe's group has joined. `fromBeginning: false` reads only what
   * arrives from now on: for high-volume topics (the prediction log) whose history would take long to read.
   */
  async start(topics: string[], { fromBeginning = true }: { fromBeginning?: boolean } = {}): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `probe-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning });
    const joined = new Promise<void>((resolve) => this.consumer!.on(this.consumer!.events.GROUP_JOIN, () => resolve()));
    await this.consumer.run({ eachMessage: ({ topic, message }) => {
        this.messages.push({ topic, message });
        return Promise.resolve();
      },
    });
    await joined;
  }

  on(topic: string): KafkaMessage[] {
    return this.messages.filter((m) => m.topic === topic).map((m) => m.message);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
