import { ErrorInfo } from '@mlops/proto';
import { defineEvent, type EventDefinition } from '@mlops/events';

/**
 * A throwaway event for the library's own tests, on a unique topic. Its payload is any real
 * protobuf message (ErrorInfo here): the library is generic over payloads.
 */
export function testEvent(name: string, partitions = 3): EventDefinition<ErrorInfo> {
  return defineEvent<ErrorInfo>({
    type: `test.${name}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    version: 1,
    producer: 'test',
    partitions,
    keyDescription: 'the reason field, so equal reasons stay ordered',
    key: (payload) => payload.reason,
    codec: ErrorInfo,
  });
}
