export { deadLetterTopic, defineEvent, type EventDefinition, type MessageCodec } from './event-definition';
export { HEADER, InvalidEnvelopeError, envelopeHeaders, headerText, newEnvelope, readEnvelope, type EventEnvelope } from './envelope';
export { EventConsumer, type ConsumeOutcome, type EventConsumerOptions, type EventHandler, type Subscription } from './event-consumer';
export { EventTables1764000000000 } from './event-tables.migration';
export { createKafka, createProducer, ensureTopics } from './kafka';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { OutboxWriter } from './outbox-writer';
export { EVENT_CATALOG, Events, publishedBy } from './catalog';
