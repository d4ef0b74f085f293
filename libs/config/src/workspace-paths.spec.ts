import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const json = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as { compilerOptions?: { paths: object }; jsc?: { paths: object } };

describe('workspace library paths', () => {
  it('are the same for the type checker (tsconfig.base.json) and the build (.swcrc)', () => {
    // A library missing from .swcrc type-checks and tests fine, then the built service cannot load it.
    expect(json('.swcrc').jsc?.paths).toEqual(json('tsconfig.base.json').compilerOptions?.paths);
  });
});
