// Type-aware lint: the rules chosen catch real bugs (floating promises, non-exhaustive switches),
// and the import restrictions enforce the module boundaries described in README.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const APPS = ['ingestion', 'feature', 'training', 'registry', 'serving', 'monitoring'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/proto/src/generated/**', 'deploy/local/.data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Tests may poke at loosely typed values (decoded JSON, spans) to assert on them.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Stub handlers are async to match the interface they stand in for, awaiting nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Shared libraries never reach into an application.
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/apps/**'], message: 'libs must not import apps' }] }] },
  },
  {
    // Framework-free libraries: usable and testable without NestJS.
    files: ['libs/{artifacts,auth,config,events,grpc,persistence,telemetry}/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@nestjs/*'], message: 'this lib is framework-free; Nest glue lives in @mlops/platform' }, { group: ['**/apps/**'], message: 'libs must not import apps' }] }],
    },
  },
  ...APPS.map((app) => ({
    // A service never imports another service's code, and its domain core stays framework-free.
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns: APPS.filter((a) => a !== app).map((other) => ({ group: [`**/apps/${other}/**`, `**/${other}/src/**`], message: 'services talk over gRPC and Kafka, never by import' })) }],
    },
  })),
  {
    files: ['apps/*/src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@nestjs/*', 'typeorm', 'kafkajs', '@grpc/*', '@mlops/platform'], message: 'the domain core has no framework or infrastructure imports' }] }] },
  },
);
