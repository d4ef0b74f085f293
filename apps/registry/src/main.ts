import { bootService } from '@mlops/telemetry';
import type * as StartModule from './start';
import { registryConfig } from './config';

const boot = bootService('registry', registryConfig);
// Required only now, so telemetry patches grpc-js, kafkajs and pg before they are first loaded.
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./start') as typeof StartModule).start(boot);
