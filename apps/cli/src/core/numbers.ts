import { CliError } from './cli-error';
import { EXIT } from './exit-codes';

/** A command-line number that must be a whole number above 0, or a usage error naming the option. */
export function positiveInt(value: string, name: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new CliError(`${name} must be a whole number above 0, got "${value}"`, EXIT.usage);
  return number;
}
