export * from './deployment-rules';
export * from './guard';
export * from './rollout';
export * from './routing';
