export { ConfigError, loadConfig, type ConfigIssue } from './load-config';
export { serviceConfigSchema, type ServiceConfig, type ServiceDefaults } from './service-config';
