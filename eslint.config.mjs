// Module boundaries are the architecture: they keep the sidecar (imported into every
// backend service) free of NestJS and of authority code, and apps from importing apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import js from '@eslint/js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'deploy/**', '.nx/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            // The Node SDK is for apps; libraries (the sidecar above all) use @opentelemetry/api only.
            { sourceTag: 'type:telemetry', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:lib', notDependOnLibsWithTags: ['type:telemetry'] },
            { sourceTag: 'type:transport', onlyDependOnLibsWithTags: ['type:contracts'] },
            {
              sourceTag: 'scope:sidecar',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:transport', 'type:test-support'],
              bannedExternalImports: ['@nestjs/*', 'better-sqlite3', 'fastify', 'express', '@opentelemetry/sdk-*', '@opentelemetry/exporter-*'],
            },
            {
              sourceTag: 'scope:authority',
              onlyDependOnLibsWithTags: ['scope:authority', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'],
            },
            {
              sourceTag: 'type:lib',
              notDependOnLibsWithTags: ['type:app', 'type:tool'],
            },
            {
              sourceTag: 'type:test-support',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:transport'],
              bannedExternalImports: ['@nestjs/*'],
            },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'] },
            // The standalone sidecar is a process around the sidecar's public surface: no authority code.
            {
              sourceTag: 'scope:standalone-sidecar',
              onlyDependOnLibsWithTags: ['scope:sidecar', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'],
            },
            {
              sourceTag: 'scope:demo',
              onlyDependOnLibsWithTags: ['scope:sidecar', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'],
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
