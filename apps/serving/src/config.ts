import { serviceConfigSchema } from '@mlops/config';

/** The serving service's settings, read from the environment (see README.md for each one). */
export const servingConfig = serviceConfigSchema({ grpcPort: 50055, metricsPort: 9105 });
