/** google.protobuf.Duration as the generated code shapes it. */
interface Duration {
  seconds: number;
  nanos: number;
}

/** Milliseconds as a Duration; seconds and nanos carry the same sign, as protobuf requires. */
export function durationFromMs(ms: number): Duration {
  const seconds = Math.trunc(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Duration in milliseconds, fractions kept (latencies); absent is 0. */
export function msFromDuration(duration: Duration | undefined): number {
  return duration ? duration.seconds * 1000 + duration.nanos / 1e6 : 0;
}
