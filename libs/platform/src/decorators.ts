import { type ServiceDefinition } from '@grpc/grpc-js';
import { SetMetadata } from '@nestjs/common';
import { type EventDefinition } from '@mlops/events';

export const GRPC_CONTROLLER = Symbol('mlops:grpc-controller');
export const EVENT_HANDLER = Symbol('mlops:event-handler');

/** Marks a provider as the implementation of a generated gRPC service; it is bound at start-up. */
export const GrpcController = (definition: ServiceDefinition): ClassDecorator => SetMetadata(GRPC_CONTROLLER, definition);

/**
 * Marks a method as the handler of a catalog event: `(payload, envelope, tx) => Promise<void>`.
 * It runs in the transaction that records the event as processed, so its writes happen once.
 */
export const OnEvent = <T>(definition: EventDefinition<T>): MethodDecorator => SetMetadata(EVENT_HANDLER, definition);
