/** What ts-proto generates for every message: enough to put it on the wire and read it back. */
export interface MessageCodec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/** One entry of the event catalog: everything producers and consumers must agree on. */
export interface EventDefinition<T = unknown> {
  /** Event type carried in the envelope, e.g. `registry.model.promoted`. */
  readonly type: string;
  /** Payload schema version; a breaking change gets a new version and a new topic. */
  readonly version: number;
  /** Kafka topic: `<type>.v<version>`. */
  readonly topic: string;
  /** The service that owns (publishes) the event. */
  readonly producer: string;
  readonly partitions: number;
  /** Why this key: events with the same key stay in order on one partition. */
  readonly keyDescription: string;
  // A method signature on purpose: keeps EventDefinition<Specific> assignable to EventDefinition<unknown>.
  key(payload: T): string;
  readonly codec: MessageCodec<T>;
}

export function defineEvent<T>(definition: Omit<EventDefinition<T>, 'topic'>): EventDefinition<T> {
  return { ...definition, topic: `${definition.type}.v${definition.version}` };
}

/** Each consumer group dead-letters into its own topic, so its failures can be inspected and replayed alone. */
export function deadLetterTopic(consumerGroup: string): string {
  return `${consumerGroup}.dead-letter.v1`;
}

