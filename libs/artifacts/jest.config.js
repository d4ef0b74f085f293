module.exports = { ...require('../../jest.preset.js'), displayName: 'artifacts', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] };
