import { serviceConfigSchema } from '@mlops/config';

/** The registry service's settings, read from the environment (see README.md for each one). */
export const registryConfig = serviceConfigSchema({ grpcPort: 50054, metricsPort: 9104 });
