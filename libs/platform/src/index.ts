export { EVENT_HANDLER, GRPC_CONTROLLER, GrpcController, OnEvent } from './decorators';
export { PlatformModule } from './platform.module';
export { runService, runServiceProcess, type RunningService } from './run-service';
export { type ServiceSpec } from './service-spec';
export { KAFKA, LOGGER, SERVICE_CONFIG, TRANSACTION_RUNNER } from './tokens';
export { type OnServiceReady, type OnServiceStop } from './lifecycle';
