import { type AbArm, type DeploymentSpec } from '../deployment';
import { chooseArm, isLogged, mirrorsToShadow, routingPoint } from './routing';
import { seeded } from '../seeded-random.fixture';

const spec = (overrides: Partial<DeploymentSpec> = {}): DeploymentSpec => ({ modelName: 'fraud-detector', stableVersion: 3, nanPolicy: 'reject', logSampleRate: 1, alias: 'champion', ...overrides });
const keys = (count: number, prefix = 'user-') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const noDraw = () => {
  throw new Error('must not draw');
};


const MASK_64 = 0xffffffffffffffffn;

/** Textbook FNV-1a 64, written independently of routingPoint to check it against. */
function fnv1a64(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, 'utf8')) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & MASK_64;
  return hash;
}

/** MurmurHash3's fmix64. */
function fmix64(hash: bigint): bigint {
  for (const multiplier of [0xff51afd7ed558ccdn, 0xc4ceb9fe1a85ec53n]) hash = ((hash ^ (hash >> 33n)) * multiplier) & MASK_64;
  return hash ^ (hash >> 33n);
}

/** Binomial tolerance: `count` of `n` draws with probability `p` lies within 4 standard deviations of n·p. */
function expectShare(count: number, n: number, p: number): void {
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(4 * Math.sqrt(n * p * (1 - p)));
}

describe('routingPoint', () => {
  it('uses an FNV-1a 64 that matches the published test vectors', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });

  it('finalizes with MurmurHash3 fmix64', () => {
    expect(fmix64(0n)).toBe(0n);
    expect(fmix64(1n)).toBe(0xb456bcfc34c2cb2cn);
  });

  it('is the top 53 bits of fmix64(FNV-1a 64) over the UTF-8 of salt, NUL, key', () => {
    const cases: [string, string][] = [['', ''], ['', 'a'], ['exp-1', 'user-42'], ['canary:fraud:4', 'Zoë ☕ 𝄞'], ['🙂'.repeat(20), 'x'.repeat(300)], ...keys(200).map((key): [string, string] => ['salt', key])];
    for (const [salt, key] of cases) expect(routingPoint(salt, key)).toBe(Number(fmix64(fnv1a64(`${salt}\u0000${key}`)) >> 11n) / 2 ** 53);
  });

  it('is pinned: a release that moved keys between arms would fail here', () => {
    expect(routingPoint('exp-1', 'user-42')).toBe(0.22493756174185608);
  });

  it('tells ("ab", "c") from ("a", "bc")', () => {
    expect(routingPoint('ab', 'c')).not.toBe(routingPoint('a', 'bc'));
  });

  it('stays in [0, 1) and spreads uniformly over ten deciles', () => {
    const deciles = new Array<number>(10).fill(0);
    for (const key of keys(20_000)) {
      const point = routingPoint('salt', key);
      expect(point >= 0 && point < 1).toBe(true);
      deciles[Math.floor(point * 10)]++;
    }
    for (const count of deciles) expectShare(count, 20_000, 0.1);
  });
});

describe('chooseArm: A/B test', () => {
  const arms: AbArm[] = [{ name: 'a', version: 3, weight: 1 }, { name: 'b', version: 4, weight: 2 }, { name: 'c', version: 5, weight: 1 }];
  const ab = (salt = 'exp-1') => spec({ abTest: { arms, salt } });

  it('gives a key the same arm every time', () => {
    const first = keys(10_000).map((key) => chooseArm(ab(), key, noDraw));
    const second = keys(10_000).map((key) => chooseArm(ab(), key, noDraw));
    expect(second).toEqual(first);
    expect(first[0]).toEqual({ arm: expect.stringMatching(/^ab:[abc]$/), version: expect.any(Number) });
  });

  it('splits keys by the normalized weights', () => {
    const counts = new Map<string, number>();
    for (const key of keys(20_000)) {
      const { arm } = chooseArm(ab(), key, noDraw);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }
    expectShare(counts.get('ab:a') ?? 0, 20_000, 0.25);
    expectShare(counts.get('ab:b') ?? 0, 20_000, 0.5);
    expectShare(counts.get('ab:c') ?? 0, 20_000, 0.25);
  });

  it('serves each arm its own version', () => {
    const versions = new Map(keys(1_000).map((key) => [chooseArm(ab(), key, noDraw).arm, chooseArm(ab(), key, noDraw).version]));
    expect(Object.fromEntries(versions)).toEqual({ 'ab:a': 3, 'ab:b': 4, 'ab:c': 5 });
  });

  it('reshuffles keys when the salt changes', () => {
    const moved = keys(20_000).filter((key) => chooseArm(ab('exp-1'), key, noDraw).arm !== chooseArm(ab('exp-2'), key, noDraw).arm).length;
    // Independent assignments agree with probability 0.25² + 0.5² + 0.25² = 0.375.
    expectShare(moved, 20_000, 0.625);
  });

  it('draws per request without a routing key, or with an empty one', () => {
    expect(chooseArm(ab(), undefined, () => 0.2)).toEqual({ arm: 'ab:a', version: 3 });
    expect(chooseArm(ab(), '', () => 0.25)).toEqual({ arm: 'ab:b', version: 4 });
    expect(chooseArm(ab(), undefined, () => 0.76)).toEqual({ arm: 'ab:c', version: 5 });
  });

  it('puts the ends of [0, 1) in the first and the last arm, whatever the weights add up to', () => {
    const inexact = spec({ abTest: { arms: [{ name: 'a', version: 3, weight: 0.1 }, { name: 'b', version: 4, weight: 0.2 }], salt: 's' } });
    expect(chooseArm(inexact, undefined, () => 0)).toEqual({ arm: 'ab:a', version: 3 });
    expect(chooseArm(inexact, undefined, () => 1 - 2 ** -53)).toEqual({ arm: 'ab:b', version: 4 });
  });
});

describe('chooseArm: canary', () => {
  const canary = (weight: number, version = 4) => spec({ canary: { version, weight } });

  it('sends the canary its weight of keyless requests', () => {
    const draw = seeded(42);
    const served = Array.from({ length: 20_000 }, () => chooseArm(canary(0.1), undefined, draw));
    expectShare(served.filter((s) => s.arm === 'canary').length, 20_000, 0.1);
    expect(new Set(served.map((s) => `${s.arm}:${s.version}`))).toEqual(new Set(['canary:4', 'stable:3']));
  });

  it('keeps a routing key on the same side, with the weight as its share of keys', () => {
    const inCanary = keys(20_000).filter((key) => chooseArm(canary(0.1), key, noDraw).arm === 'canary');
    expectShare(inCanary.length, 20_000, 0.1);
    expect(inCanary.every((key) => chooseArm(canary(0.1), key, noDraw).arm === 'canary')).toBe(true);
  });

  it('only adds keys when the weight rises, and reshuffles them for a new canary version', () => {
    const at = (weight: number, version = 4) => new Set(keys(20_000).filter((key) => chooseArm(canary(weight, version), key, noDraw).arm === 'canary'));
    const tenPercent = at(0.1);
    const quarter = at(0.25);
    expect([...tenPercent].every((key) => quarter.has(key))).toBe(true);
    expectShare(quarter.size, 20_000, 0.25);
    const overlap = [...at(0.1, 5)].filter((key) => tenPercent.has(key)).length;
    expectShare(overlap, 20_000, 0.01);
  });

  it('sends everything to a canary of weight 1, and everything to stable without a canary', () => {
    expect(keys(1_000).every((key) => chooseArm(canary(1), key, noDraw).arm === 'canary')).toBe(true);
    expect(chooseArm(canary(1), undefined, () => 0.999)).toEqual({ arm: 'canary', version: 4 });
    expect(chooseArm(spec(), 'user-1', noDraw)).toEqual({ arm: 'stable', version: 3 });
    expect(chooseArm(spec(), undefined, noDraw)).toEqual({ arm: 'stable', version: 3 });
  });

  it('compares the draw strictly below the weight', () => {
    expect(chooseArm(canary(0.1), undefined, () => 0.0999)).toEqual({ arm: 'canary', version: 4 });
    expect(chooseArm(canary(0.1), undefined, () => 0.1)).toEqual({ arm: 'stable', version: 3 });
  });
});

describe('mirrorsToShadow and isLogged', () => {
  it('never mirrors without a shadow, always at rate 1, without drawing', () => {
    expect(mirrorsToShadow(spec(), noDraw)).toBe(false);
    expect(mirrorsToShadow(spec({ shadow: { version: 5, sampleRate: 1 } }), noDraw)).toBe(true);
  });

  it('mirrors the sample rate of requests', () => {
    const shadowed = spec({ shadow: { version: 5, sampleRate: 0.3 } });
    expect(mirrorsToShadow(shadowed, () => 0.29)).toBe(true);
    expect(mirrorsToShadow(shadowed, () => 0.3)).toBe(false);
    const draw = seeded(7);
    expectShare(Array.from({ length: 20_000 }).filter(() => mirrorsToShadow(shadowed, draw)).length, 20_000, 0.3);
  });

  it('logs everything at rate 1 and nothing at rate 0, without drawing', () => {
    expect(isLogged(spec({ logSampleRate: 1 }), noDraw)).toBe(true);
    expect(isLogged(spec({ logSampleRate: 0 }), noDraw)).toBe(false);
  });

  it('logs the sample rate of predictions', () => {
    expect(isLogged(spec({ logSampleRate: 0.05 }), () => 0.04)).toBe(true);
    expect(isLogged(spec({ logSampleRate: 0.05 }), () => 0.05)).toBe(false);
    const draw = seeded(11);
    expectShare(Array.from({ length: 20_000 }).filter(() => isLogged(spec({ logSampleRate: 0.05 }), draw)).length, 20_000, 0.05);
  });
});
