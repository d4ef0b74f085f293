import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** A file's text, or a one-line error saying the file is missing or unreadable. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${path}: no such file`, EXIT.notFound);
    throw new CliError(`${path}: cannot read it (${code ?? (error as Error).message})`, EXIT.notFound);
  }
}

/** A YAML or JSON file as plain data, or a one-line error naming the line of the first syntax problem. */
export function readDocument(path: string): unknown {
  const text = readText(path);
  try {
    return parse(text, { prettyErrors: true });
  } catch (error) {
    throw new CliError(`${path}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, EXIT.dataError);
  }
}
