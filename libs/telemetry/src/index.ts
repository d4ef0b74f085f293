export { startTelemetry, type Telemetry, type TelemetryOptions } from './start-telemetry';
export { createLogger, type Logger } from './logger';
export { activeTraceId } from './trace-context';
export { bootService, type Boot } from './boot';
