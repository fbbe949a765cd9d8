import { E2E_STORE_ENGINE_ENV } from './store-engine';

// Imported FIRST by a `*.postgres.int.spec.ts` file, before the suite it re-runs: the suite's
// authorities then store into PostgreSQL. The suites start their authorities without an engine
// parameter, so the engine travels by this file's own copy of process.env (jest gives each test
// file one); other test files in the same worker are not affected.
process.env[E2E_STORE_ENGINE_ENV] = 'postgres';
