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
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['type:contracts', 'scope:drills', 'scope:report'] },
            // The post-incident report renderer reads the report contract only.
            { sourceTag: 'scope:report', onlyDependOnLibsWithTags: ['type:contracts'] },
            // Breach drills talk to the authority and the instances over ports: no library of theirs.
            { sourceTag: 'scope:drills', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'] },
            // The standalone sidecar is a process around the sidecar's public surface: no authority code.
            {
              sourceTag: 'scope:standalone-sidecar',
              onlyDependOnLibsWithTags: ['scope:sidecar', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry'],
            },
            {
              sourceTag: 'scope:demo',
              onlyDependOnLibsWithTags: ['scope:sidecar', 'type:contracts', 'type:transport', 'type:test-support', 'type:telemetry', 'scope:drills', 'scope:report'],
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
  // The libraries packed into @revmesh/sidecar compile to CommonJS; their declarations must still
  // type-check in node16 consumers, which needs every type import of the ESM-only jose marked
  // `with { 'resolution-mode': 'import' }` (an inline `type` specifier cannot carry it).
  {
    files: ['libs/sidecar/src/**/*.ts', 'libs/contracts/src/**/*.ts', 'libs/transport/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.spec-helper.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='jose'][importKind='value'] > ImportSpecifier[importKind='type']",
          message: "import jose's types in their own `import type { … } from 'jose' with { 'resolution-mode': 'import' }` (jose is ESM only; see the packed sidecar's node16 check)",
        },
        {
          selector: "ImportDeclaration[source.value='jose'][importKind='type'][attributes.length=0]",
          message: "add `with { 'resolution-mode': 'import' }`: jose is ESM only, and the packed sidecar's declarations must type-check in node16 consumers",
        },
      ],
    },
  },
);
