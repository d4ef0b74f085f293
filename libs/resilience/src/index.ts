export { backoffDelay, retryWithBackoff, sleep, type RetryOptions } from './backoff';
export { isTransientConnectionError } from './transient';
export { every, type Periodic } from './periodic';
