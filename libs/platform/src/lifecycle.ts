/**
 * Hooks for a service's own background work (upstream consumers, job runners). Nest's lifecycle
 * hooks run before the database and Kafka are reachable; these run after them: `onServiceReady` once
 * both are connected (retried with backoff, before health reports SERVING), `onServiceStop` after
 * the gRPC server has drained and before the database closes.
 */
export interface OnServiceReady {
  onServiceReady(): Promise<void>;
}

export interface OnServiceStop {
  onServiceStop(): Promise<void>;
}
