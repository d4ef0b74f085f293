import { InvalidInputError, type Violation } from '../signature';

/** The violations `run` throws; a run that does not throw an InvalidInputError fails the test. */
export function violationsOf(run: () => unknown): Violation[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).violations;
  }
  throw new Error('expected an InvalidInputError');
}
