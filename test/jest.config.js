// End-to-end tests: the built services as separate processes against the real Kafka and PostgreSQL.
module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.e2e-spec.ts'],
  testTimeout: 240_000,
};
