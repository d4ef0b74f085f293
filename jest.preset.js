// Shared Jest settings: SWC for speed (type checking is the typecheck target's job),
// path aliases mapped from tsconfig.base.json so tests import libs by their public names.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace('*', '(.*)')}$`,
    path.join(__dirname, target.replace('*', '$1')),
  ]),
);

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(ts|js)$': ['@swc/jest', { swcrc: false, jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2023' } }],
  },
  // hyparquet and jose ship only ES modules; Jest's CommonJS runtime needs them transformed like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(hyparquet|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
};
