import { createHash } from 'node:crypto';
import { type AuditEntry, type AuditRecord, chainedEntry, entryHash, GENESIS_HASH, verifyChain } from './audit-chain';

const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 10, minute));

const records: Omit<AuditRecord, 'sequence'>[] = [
  { time: at(0), actor: 'ana', action: 'model.create', modelName: 'flight-delay', version: 0, reason: 'new model' },
  { time: at(1), actor: 'ci', action: 'version.register', modelName: 'flight-delay', version: 1, reason: 'run-1', after: { stage: 'NONE', metrics: { roc_auc: 0.9 } } },
  {
    time: at(2), actor: 'bo', action: 'alias.set', modelName: 'flight-delay', version: 1, reason: 'first champion',
    before: { alias: 'champion', target: { version: 0, tags: ['a', 'b'] } }, after: { alias: 'champion', target: { version: 1, tags: ['a', 'b'] } },
  },
  { time: at(3), actor: 'ci', action: 'version.register', modelName: 'flight-delay', version: 2, reason: 'run-2', after: { stage: 'NONE' } },
  { time: at(4), actor: 'cy', action: 'promotion.approve', modelName: 'flight-delay', version: 2, reason: 'looks good', before: { state: 'PENDING_APPROVAL' }, after: { state: 'PROMOTED' } },
];

function buildChain(): AuditEntry[] {
  let head: AuditEntry | undefined;
  return records.map((record) => (head = chainedEntry(head, record)));
}

/** An entry as a database row gives it back: a new Date, JSON columns re-parsed with their keys reordered (as jsonb does). */
function fromDatabase(entry: AuditEntry): AuditEntry {
  const reordered = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reordered);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)]));
    return value;
  };
  const json = (value: unknown) => reordered(JSON.parse(JSON.stringify(value ?? null)));
  return { ...entry, time: new Date(entry.time.toISOString()), before: json(entry.before), after: json(entry.after) };
}

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield await Promise.resolve(item);
}

describe('chainedEntry', () => {
  it('numbers entries from 1 and links each to the hash before it', () => {
    const chain = buildChain();
    expect(chain.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(chain[0].previousHash).toBe(GENESIS_HASH);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
    for (let i = 1; i < chain.length; i++) expect(chain[i].previousHash).toBe(chain[i - 1].hash);
    expect(new Set(chain.map((e) => e.hash)).size).toBe(5);
    for (const entry of chain) expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores before/after as plain JSON, absent ones as null', () => {
    const entry = chainedEntry(undefined, { time: at(0), actor: 'a', action: 'x', modelName: 'm', version: 0, reason: '', after: { when: at(5), gone: undefined } });
    expect(entry.before).toBeNull();
    expect(entry.after).toEqual({ when: '2024-05-01T10:05:00.000Z' });
  });

  it('hashes sha256(previous hash, newline, canonical JSON with sorted keys), so stored chains stay verifiable', () => {
    const [first] = buildChain();
    const content =
      '{"action":"model.create","actor":"ana","after":null,"before":null,"model_name":"flight-delay","reason":"new model","sequence":1,"time":"2024-05-01T10:00:00.000Z","version":0}';
    expect(first.hash).toBe(createHash('sha256').update(`${GENESIS_HASH}\n${content}`).digest('hex'));
  });
});

describe('entryHash', () => {
  it('does not depend on the key order of before/after, at any depth', () => {
    const record: AuditRecord = { sequence: 4, time: at(9), actor: 'a', action: 'x', modelName: 'm', version: 1, reason: 'r', before: { a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } } };
    const reordered: AuditRecord = { ...record, before: { b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 } };
    expect(entryHash(GENESIS_HASH, reordered)).toBe(entryHash(GENESIS_HASH, record));
  });

  it('depends on the order of array elements, and on the previous hash', () => {
    const record: AuditRecord = { sequence: 1, time: at(0), actor: 'a', action: 'x', modelName: 'm', version: 1, reason: 'r', after: [1, 2] };
    expect(entryHash(GENESIS_HASH, { ...record, after: [2, 1] })).not.toBe(entryHash(GENESIS_HASH, record));
    expect(entryHash('1'.repeat(64), record)).not.toBe(entryHash(GENESIS_HASH, record));
  });
});

describe('verifyChain', () => {
  it('verifies an intact chain of 5', async () => {
    const chain = buildChain();
    expect(await verifyChain(chain, 1, GENESIS_HASH)).toEqual({ valid: true, entriesChecked: 5, firstInvalidSequence: 0, message: '5 entries verified', headHash: chain[4].hash });
  });

  it('verifies entries read back from the database (re-serialised JSON, keys reordered)', async () => {
    const chain = buildChain().map(fromDatabase);
    expect(Object.keys(chain[2].before as object)).toEqual(['target', 'alias']);
    expect((await verifyChain(chain, 1, GENESIS_HASH)).valid).toBe(true);
  });

  it('accepts an async iterable', async () => {
    const chain = buildChain();
    expect(await verifyChain(asAsync(chain), 1, GENESIS_HASH)).toMatchObject({ valid: true, entriesChecked: 5, headHash: chain[4].hash });
  });

  it('reports a break found in an async iterable too', async () => {
    const chain = buildChain();
    chain[2] = { ...chain[2], actor: 'mallory' };
    expect(await verifyChain(asAsync(chain), 1, GENESIS_HASH)).toMatchObject({ valid: false, firstInvalidSequence: 3 });
  });

  it.each<[string, (e: AuditEntry) => AuditEntry]>([
    ['actor', (e) => ({ ...e, actor: 'mallory' })],
    ['action', (e) => ({ ...e, action: 'alias.delete' })],
    ['model name', (e) => ({ ...e, modelName: 'other' })],
    ['version', (e) => ({ ...e, version: 2 })],
    ['reason', (e) => ({ ...e, reason: 'first champion!' })],
    ['time', (e) => ({ ...e, time: new Date(e.time.getTime() + 1) })],
    ['a nested before value', (e) => ({ ...e, before: { alias: 'champion', target: { version: 9, tags: ['a', 'b'] } } })],
    ['a nested after array', (e) => ({ ...e, after: { alias: 'champion', target: { version: 1, tags: ['a'] } } })],
    ['after, removed', (e) => ({ ...e, after: null })],
  ])('reports an edited %s of entry 3 at sequence 3', async (_field, edit) => {
    const chain = buildChain();
    chain[2] = edit(chain[2]);
    expect(await verifyChain(chain, 1, GENESIS_HASH)).toEqual({
      valid: false, entriesChecked: 2, firstInvalidSequence: 3, message: 'entry 3 was altered: its content no longer hashes to its stored hash', headHash: chain[1].hash,
    });
  });

  it('reports a deleted entry 3 as missing', async () => {
    const chain = buildChain();
    const result = await verifyChain([...chain.slice(0, 2), ...chain.slice(3)], 1, GENESIS_HASH);
    expect(result).toEqual({ valid: false, entriesChecked: 2, firstInvalidSequence: 3, message: 'entry 3 is missing (next is 4)', headHash: chain[1].hash });
  });

  it('reports a deleted last entry only through the head hash', async () => {
    const chain = buildChain();
    const result = await verifyChain(chain.slice(0, 4), 1, GENESIS_HASH);
    expect(result).toMatchObject({ valid: true, entriesChecked: 4, headHash: chain[3].hash });
    expect(result.headHash).not.toBe(chain[4].hash);
  });

  it('detects two entries swapped', async () => {
    const chain = buildChain();
    [chain[2], chain[3]] = [chain[3], chain[2]];
    expect(await verifyChain(chain, 1, GENESIS_HASH)).toMatchObject({ valid: false, firstInvalidSequence: 3, message: 'entry 3 is missing (next is 4)' });
  });

  it('detects two entries swapped and renumbered: the moved entry no longer links', async () => {
    const chain = buildChain();
    const [third, fourth] = [chain[2], chain[3]];
    chain[2] = { ...fourth, sequence: 3 };
    chain[3] = { ...third, sequence: 4 };
    const result = await verifyChain(chain, 1, GENESIS_HASH);
    expect(result).toMatchObject({ valid: false, entriesChecked: 2, firstInvalidSequence: 3 });
    expect(result.message).toBe(`entry 3 does not link to the entry before it (its previous_hash ${third.hash.slice(0, 12)}… is not ${chain[1].hash.slice(0, 12)}…)`);
  });

  it('detects an edited entry whose hash was recomputed, at the next entry', async () => {
    const chain = buildChain();
    const forged = { ...chain[2], reason: 'forged' };
    chain[2] = { ...forged, hash: entryHash(forged.previousHash, forged) };
    expect(await verifyChain(chain, 1, GENESIS_HASH)).toMatchObject({ valid: false, entriesChecked: 3, firstInvalidSequence: 4, headHash: chain[2].hash });
  });

  it('verifies a sub-range from the stored hash of the entry before it', async () => {
    const chain = buildChain();
    expect(await verifyChain(chain.slice(2), 3, chain[1].hash)).toEqual({ valid: true, entriesChecked: 3, firstInvalidSequence: 0, message: '3 entries verified', headHash: chain[4].hash });
  });

  it('refuses a sub-range from the wrong anchor or the wrong starting sequence', async () => {
    const chain = buildChain();
    expect(await verifyChain(chain.slice(2), 3, chain[0].hash)).toMatchObject({ valid: false, entriesChecked: 0, firstInvalidSequence: 3, headHash: chain[0].hash });
    expect(await verifyChain(chain.slice(2), 2, chain[1].hash)).toMatchObject({ valid: false, firstInvalidSequence: 2, message: 'entry 2 is missing (next is 3)' });
  });

  it('says so when the range is empty, keeping the anchor as head', async () => {
    expect(await verifyChain([], 6, 'f'.repeat(64))).toEqual({ valid: true, entriesChecked: 0, firstInvalidSequence: 0, message: 'no entries in range', headHash: 'f'.repeat(64) });
  });
});
