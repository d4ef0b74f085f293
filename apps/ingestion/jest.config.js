module.exports = { ...require('../../jest.preset.js'), displayName: 'ingestion', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'], passWithNoTests: false };
