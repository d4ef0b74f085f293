import { type DataSource } from 'typeorm';
import { infrastructure, migratedTestSchema } from '@mlops/testing';
import { type CopyValue, streamQuery, transactionRunner } from './index';

describe('copyRows (real PostgreSQL)', () => {
  const infra = infrastructure();
  let schema: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ schema, dataSource } = await migratedTestSchema(infra.databaseUrl, 'copy_it', []));
    await dataSource.query('CREATE TABLE items (id int PRIMARY KEY, label text, at timestamptz, payload jsonb, digest bytea, flag boolean, big bigint)');
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('stores values that need escaping exactly as given', async () => {
    const rows: CopyValue[][] = [
      [1, 'tab\there, newline\nthere, backslash \\ and \\N', new Date('2001-02-03T04:05:06.789Z'), JSON.stringify({ quote: '"\\t"', nested: [1, null] }), Buffer.from([0, 255, 92, 10]), true, 9007199254740993n],
      [2, null, null, null, null, false, null],
      [3, 'ünïcødé ✈', new Date(0), '{}', Buffer.alloc(0), null, -1],
    ];
    await transactionRunner(dataSource)((tx) => tx.copyRows('items', ['id', 'label', 'at', 'payload', 'digest', 'flag', 'big'], rows));

    const stored = await dataSource.query<{ id: number; label: string | null; at: Date | null; payload: unknown; digest: Buffer | null; flag: boolean | null; big: string | null }[]>('SELECT * FROM items ORDER BY id');
    expect(stored).toEqual([
      { id: 1, label: 'tab\there, newline\nthere, backslash \\ and \\N', at: new Date('2001-02-03T04:05:06.789Z'), payload: { quote: '"\\t"', nested: [1, null] }, digest: Buffer.from([0, 255, 92, 10]), flag: true, big: '9007199254740993' },
      { id: 2, label: null, at: null, payload: null, digest: null, flag: false, big: null },
      { id: 3, label: 'ünïcødé ✈', at: new Date(0), payload: {}, digest: Buffer.alloc(0), flag: null, big: '-1' },
    ]);
  });

  it('takes effect only with its transaction', async () => {
    const failing = transactionRunner(dataSource)(async (tx) => {
      await tx.copyRows('items', ['id', 'label'], [[10, 'rolled back']]);
      throw new Error('abort');
    });
    await expect(failing).rejects.toThrow('abort');
    expect(await dataSource.query('SELECT id FROM items WHERE id = 10')).toEqual([]);
  });

  it('fails the transaction on a row PostgreSQL refuses, naming the problem', async () => {
    const duplicate = transactionRunner(dataSource)((tx) => tx.copyRows('items', ['id', 'label'], [[20, 'first'], [20, 'again']]));
    await expect(duplicate).rejects.toThrow(/duplicate key/);
    expect(await dataSource.query('SELECT id FROM items WHERE id = 20')).toEqual([]);
  });
});

describe('streamQuery (real PostgreSQL)', () => {
  const infra = infrastructure();
  let schema: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    ({ schema, dataSource } = await migratedTestSchema(infra.databaseUrl, 'stream_it', []));
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('yields every row in order, a fetch at a time', async () => {
    const seen: number[] = [];
    for await (const row of streamQuery<{ n: number }>(dataSource, 'SELECT n FROM generate_series(1, $1::int) AS n ORDER BY n', [2_500], 1_000)) seen.push(row.n);
    expect(seen).toHaveLength(2_500);
    expect(seen.every((n, i) => n === i + 1)).toBe(true);
  });

  it('gives the connection back when the reader stops early, and the pool keeps working', async () => {
    for (let i = 0; i < 8; i++) {
      for await (const row of streamQuery<{ n: number }>(dataSource, 'SELECT n FROM generate_series(1, 100000) AS n', [], 100)) if (row.n === 10) break;
    }
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('fails with the database error', async () => {
    const read = async () => {
      for await (const _row of streamQuery(dataSource, 'SELECT 1 / 0')) void _row;
    };
    await expect(read()).rejects.toThrow('division by zero');
  });
});
