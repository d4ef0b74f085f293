import { InvalidInputError, type Violation } from '../signature';

const SUMMARIZED = 3;

/** One error carrying every violation; its message quotes the first few (descriptions read on from the field). */
export function invalidInput(violations: Violation[]): InvalidInputError {
  const shown = violations.slice(0, SUMMARIZED).map((v) => `${v.field} ${v.description}`);
  const more = violations.length - SUMMARIZED;
  return new InvalidInputError(`the request does not fit the model: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`, violations);
}

const LISTED_NAMES = 10;

/** `a, b, c` sorted, cut after a few for models with hundreds of inputs. */
export function listNames(names: readonly string[]): string {
  const sorted = [...names].sort();
  const more = sorted.length - LISTED_NAMES;
  return more > 0 ? `${sorted.slice(0, LISTED_NAMES).join(', ')} and ${more} more` : sorted.join(', ');
}
