module.exports = { ...require('../../jest.preset.js'), displayName: 'feature', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'], passWithNoTests: false };
