import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Transform } from 'node:stream';
import { zstdDecompressSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse';
import { type AsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

export type FileFormat = 'csv' | 'jsonl' | 'parquet';

export interface FileChunk {
  /** JSON lines stay bytes (validated like Kafka values); CSV and Parquet rows are decoded objects. */
  records: (Buffer | Record<string, unknown>)[];
  /** Bytes of the file consumed so far (row-group granular for Parquet). */
  bytesRead: number;
}

export interface ReadOptions {
  batchSize: number;
  /** Rows already imported (a resumed job): read past them without yielding them. */
  skipRows: number;
  csvDelimiter: string;
  csvNullValues: string[];
}

export class FileFormatError extends Error {
  override name = 'FileFormatError';
}

/** Detects the format from the extension when not given. */
export function formatOf(path: string, declared?: FileFormat): FileFormat | undefined {
  if (declared) return declared;
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(jsonl|ndjson)$/i.test(path)) return 'jsonl';
  if (/\.parquet$/i.test(path)) return 'parquet';
  return undefined;
}

/** Fails fast when the file is missing or plainly not in the declared format, before a job is queued. */
export async function checkFile(path: string, format: FileFormat): Promise<number> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) throw new FileFormatError(`no readable file at ${path}`);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FileFormatError(`no readable file at ${path}`);
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    const isParquet = head.toString('latin1') === 'PAR1';
    if (format === 'parquet' && !isParquet) throw new FileFormatError(`${path} is not a Parquet file (no PAR1 magic)`);
    if (format !== 'parquet' && isParquet) throw new FileFormatError(`${path} is a Parquet file, not ${format}`);
    return info.size;
  } finally {
    await handle.close();
  }
}

/** Reads a file in batches without holding more than one batch (one Parquet row group) in memory. */
export function readFile(path: string, format: FileFormat, options: ReadOptions): AsyncGenerator<FileChunk> {
  switch (format) {
    case 'csv':
      return readCsv(path, options);
    case 'jsonl':
      return readJsonLines(path, options);
    case 'parquet':
      return readParquet(path, options);
  }
}

function countingStream(path: string): { stream: NodeJS.ReadableStream; bytes: () => number } {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream: createReadStream(path, { highWaterMark: 1 << 20 }).pipe(counter), bytes: () => bytes };
}

async function* batched<T>(rows: AsyncIterable<T>, options: ReadOptions, bytes: () => number): AsyncGenerator<{ records: T[]; bytesRead: number }> {
  let skipped = 0;
  let batch: T[] = [];
  for await (const row of rows) {
    if (skipped < options.skipRows) {
      skipped++;
      continue;
    }
    batch.push(row);
    if (batch.length >= options.batchSize) {
      yield { records: batch, bytesRead: bytes() };
      batch = [];
    }
  }
  if (batch.length > 0) yield { records: batch, bytesRead: bytes() };
}

async function* readCsv(path: string, options: ReadOptions): AsyncGenerator<FileChunk> {
  const { stream, bytes } = countingStream(path);
  const nulls = new Set(options.csvNullValues);
  const parser = stream.pipe(
    parseCsv({
      columns: true,
      delimiter: options.csvDelimiter,
      bom: true,
      // A short or long line becomes a record with missing or unknown fields, quarantined with a reason, not a failed import.
      relax_column_count: true,
      cast: (value) => (nulls.has(value) ? null : value),
    }),
  ) as AsyncIterable<Record<string, unknown>>;
  yield* batched(parser, options, bytes);
}

async function* readJsonLines(path: string, options: ReadOptions): AsyncGenerator<FileChunk> {
  const { stream, bytes } = countingStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  async function* nonEmpty() {
    for await (const line of lines) if (line.trim() !== '') yield Buffer.from(line, 'utf8');
  }
  yield* batched(nonEmpty(), options, bytes);
}

/** hyparquet has no ZSTD codec of its own; Node 24's zlib has one. */
const compressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) };

/**
 * A Parquet reader reads byte ranges (footer first, then column chunks). hyparquet's own file adapter
 * sits behind a conditional export our CommonJS type resolution does not see, so this is its few lines.
 */
async function fileBuffer(path: string): Promise<AsyncBuffer & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      const bytes = Buffer.alloc(end - start);
      await handle.read(bytes, 0, bytes.length, start);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
    },
    close: () => handle.close(),
  };
}

async function* readParquet(path: string, options: ReadOptions): AsyncGenerator<FileChunk> {
  const file = await fileBuffer(path);
  try {
    yield* readRowGroups(file, options);
  } finally {
    await file.close();
  }
}

async function* readRowGroups(file: AsyncBuffer, options: ReadOptions): AsyncGenerator<FileChunk> {
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  let bytesRead = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    const groupBytes = group.columns.reduce((sum, c) => sum + Number(c.meta_data?.total_compressed_size ?? 0), 0);
    const groupEnd = rowStart + rows;
    if (groupEnd <= options.skipRows) {
      rowStart = groupEnd;
      bytesRead += groupBytes;
      continue;
    }
    // One row group decoded at a time (decoding part of a group costs nearly as much as all of it).
    const records = (await parquetReadObjects({ file, metadata, rowStart, rowEnd: groupEnd, compressors })) as Record<string, unknown>[];
    for (let start = Math.max(0, options.skipRows - rowStart); start < rows; start += options.batchSize) {
      const end = Math.min(rows, start + options.batchSize);
      yield { records: records.slice(start, end), bytesRead: bytesRead + Math.round((groupBytes * end) / rows) };
    }
    bytesRead += groupBytes;
    rowStart = groupEnd;
  }
}
