// Integration tests: libraries and services against the real Kafka and PostgreSQL started by `npm test`.
module.exports = {
  ...require('./jest.preset.js'),
  displayName: 'integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/libs/*/src/**/*.int-spec.ts', '<rootDir>/apps/*/src/**/*.int-spec.ts'],
  testTimeout: 120_000,
};
