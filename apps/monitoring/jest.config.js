module.exports = { ...require('../../jest.preset.js'), displayName: 'monitoring', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'], passWithNoTests: false };
