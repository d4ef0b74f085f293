/** The store holds no content under this digest. */
export class ArtifactNotFoundError extends Error {
  override readonly name = 'ArtifactNotFoundError';

  constructor(readonly digest: string) {
    super(`no artifact ${digest} in the store`);
  }
}

/** Stored bytes no longer hash to the digest they are stored under: what was read must not be used. */
export class ArtifactCorruptedError extends Error {
  override readonly name = 'ArtifactCorruptedError';

  constructor(
    readonly expectedDigest: string,
    readonly actualDigest: string,
    readonly location: string,
  ) {
    super(`artifact ${expectedDigest} is corrupted: its stored bytes (${location}) hash to ${actualDigest}`);
  }
}

/** The content put disagrees with what the caller declared (PutOptions); nothing was stored. */
export class ArtifactMismatchError extends Error {
  override readonly name = 'ArtifactMismatchError';

  private constructor(
    /** Which declaration the content contradicts. */
    readonly which: 'digest' | 'size',
    readonly expected: string | number,
    /** For `size`, the bytes received; when the content ran past the expected size, those received by then. */
    readonly actual: string | number,
    message: string,
  ) {
    super(message);
  }

  static digest(expected: string, actual: string): ArtifactMismatchError {
    return new ArtifactMismatchError('digest', expected, actual, `the content's digest is ${actual}, ${expected} was expected`);
  }

  /** `complete`: the whole content was read; otherwise reading stopped once it ran past the expected size. */
  static size(expected: number, actual: number, complete: boolean): ArtifactMismatchError {
    const received = complete ? `${actual} bytes` : `more than ${expected} bytes`;
    return new ArtifactMismatchError('size', expected, actual, `received ${received}, ${expected} were expected`);
  }
}

/** The content ran past PutOptions.maxBytes (or the backend's largest object); nothing was stored. */
export class ArtifactTooLargeError extends Error {
  override readonly name = 'ArtifactTooLargeError';

  constructor(readonly maxBytes: number) {
    super(`the artifact exceeds ${maxBytes} bytes`);
  }
}

/** A string that is not a digest of the form `sha256:` followed by 64 lowercase hex digits. */
export class InvalidDigestError extends Error {
  override readonly name = 'InvalidDigestError';

  constructor(readonly value: string) {
    super(`"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not a digest: expected sha256: followed by 64 lowercase hex digits`);
  }
}
