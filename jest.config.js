// One jest run, two kinds of test:
//  - unit: `*.spec.ts`, no I/O beyond the process, fakes allowed;
//  - integration: `*.int.spec.ts`, through a real Kafka broker and a real PostgreSQL server that
//    the integration project's globalSetup starts once per run (unless KAFKA_BROKERS /
//    REVMESH_TEST_DATABASE_URL name them).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];

const workspaceMapper = {
  '^@revmesh/sidecar/(express|fastify|nest)$': '<rootDir>/libs/sidecar/src/$1/index.ts',
  '^@revmesh/(contracts|transport|sidecar|authority-core|test-support|telemetry|drills|incident-report)$': '<rootDir>/libs/$1/src/index.ts',
};

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  // jose 6 ships ESM only; let swc turn it into CommonJS for jest's module loader.
  transformIgnorePatterns: ['/node_modules/(?!(jose|@noble|@scure)/)'],
  moduleNameMapper: workspaceMapper,
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/tools'],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['**/src/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '/node_modules/', '/dist/'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/src/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/libs/test-support/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/libs/test-support/src/jest/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/test-support/src/jest/integration-timeout.ts'],
    },
  ],
};
