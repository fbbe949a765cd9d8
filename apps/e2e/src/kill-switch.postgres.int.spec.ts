// The tests of kill-switch.int.spec.ts, with the authority storing into PostgreSQL
// (its own database on the tests' server) instead of SQLite: the same end-to-end path on both engines.
import './support/on-postgres';
import './kill-switch.int.spec';
