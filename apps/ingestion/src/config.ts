import { serviceConfigSchema } from '@mlops/config';

/** The ingestion service's settings, read from the environment (see README.md for each one). */
export const ingestionConfig = serviceConfigSchema({ grpcPort: 50051, metricsPort: 9101 });
