export { infrastructure, type Infrastructure } from './infrastructure';
export { healthStatus, waitForServing } from './health';
export { OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export { ServiceProcess, type ServiceProcessOptions } from './service-process';
export { eventually } from './eventually';
export { KafkaProbe } from './kafka-probe';
export { migratedTestSchema } from './database';
export { testEvent } from './test-event';
export { listServicesByReflection } from './reflection';
