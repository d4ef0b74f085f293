import { type AbArm, type ArmName, type DeploymentSpec } from '../deployment';

const utf8 = new TextEncoder();
const MASK_64 = 0xffff_ffff_ffff_ffffn;

/**
 * Where a routing key falls in [0, 1) for a salt: FNV-1a 64-bit over the UTF-8 of salt, a NUL (so that
 * ("ab", "c") and ("a", "bc") differ) and key, then MurmurHash3's 64-bit finalizer, top 53 bits scaled down.
 */
export function routingPoint(salt: string, key: string): number {
  // Hand-written, not a dependency: it is a few lines, and every replica of every release must put a key at the same point.
  let hash = 0xcbf2_9ce4_8422_2325n;
  for (const byte of utf8.encode(`${salt}\u0000${key}`)) hash = ((hash ^ BigInt(byte)) * 0x100_0000_01b3n) & MASK_64;
  // FNV-1a hardly moves the high bits on the last bytes, so "user-1" and "user-2" would land side by side: the finalizer spreads them.
  hash ^= hash >> 33n;
  hash = (hash * 0xff51_afd7_ed55_8ccdn) & MASK_64;
  hash ^= hash >> 33n;
  hash = (hash * 0xc4ce_b9fe_1a85_ec53n) & MASK_64;
  hash ^= hash >> 33n;
  return Number(hash >> 11n) / 2 ** 53;
}

/** A canary's own salt: a new canary version reshuffles who is in it, a higher weight only adds keys. */
const canarySalt = (spec: DeploymentSpec, canaryVersion: number) => `canary:${spec.modelName}:${canaryVersion}`;

/**
 * The arm that serves a request. An A/B test assigns by the routing key's point against the cumulative
 * normalized weights, so a key always sees the same arm; a canary takes the keys whose point is below
 * its weight. Without a routing key (or with an empty one, proto3's unset) `draw` (uniform in [0, 1),
 * like Math.random) decides per request.
 */
export function chooseArm(spec: DeploymentSpec, routingKey: string | undefined, draw: () => number): { arm: ArmName; version: number } {
  const { abTest, canary } = spec;
  if (abTest) {
    const arm = armAt(abTest.arms, routingKey ? routingPoint(abTest.salt, routingKey) : draw());
    return { arm: `ab:${arm.name}`, version: arm.version };
  }
  if (canary) {
    const point = routingKey ? routingPoint(canarySalt(spec, canary.version), routingKey) : draw();
    if (point < canary.weight) return { arm: 'canary', version: canary.version };
  }
  return { arm: 'stable', version: spec.stableVersion };
}

/** The arm whose share of the cumulative weights holds `point`; the last arm takes the rest. */
function armAt(arms: AbArm[], point: number): AbArm {
  const target = point * arms.reduce((sum, arm) => sum + arm.weight, 0);
  let cumulative = 0;
  for (const arm of arms.slice(0, -1)) {
    cumulative += arm.weight;
    if (target < cumulative) return arm;
  }
  return arms[arms.length - 1];
}

/** Whether this request is also sent to the shadow version. */
export const mirrorsToShadow = (spec: DeploymentSpec, draw: () => number): boolean => spec.shadow !== undefined && sampled(spec.shadow.sampleRate, draw);

/** Whether this prediction is logged. */
export const isLogged = (spec: DeploymentSpec, draw: () => number): boolean => sampled(spec.logSampleRate, draw);

// Rates of exactly 1 and 0 are decided without drawing: certain, and cheaper on the hot path.
const sampled = (rate: number, draw: () => number): boolean => (rate >= 1 ? true : rate <= 0 ? false : draw() < rate);
