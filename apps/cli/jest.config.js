module.exports = { ...require('../../jest.preset.js'), displayName: 'cli', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'], passWithNoTests: false };
