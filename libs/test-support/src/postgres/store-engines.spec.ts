import { storeEnginesUnderTest } from './store-engines';

describe('storeEnginesUnderTest', () => {
  it('runs SQLite always, and PostgreSQL when a server URL is set', () => {
    expect(storeEnginesUnderTest({})).toEqual(['sqlite']);
    expect(storeEnginesUnderTest({ REVMESH_TEST_DATABASE_URL: 'postgres://u@h:1/postgres' })).toEqual(['sqlite', 'postgres']);
    expect(storeEnginesUnderTest({ REVMESH_TEST_DATABASE_URL: '  ' })).toEqual(['sqlite']);
  });

  it('fails under CI=true without PostgreSQL instead of skipping it', () => {
    expect(() => storeEnginesUnderTest({ CI: 'true' })).toThrow(/REVMESH_TEST_DATABASE_URL is not set under CI=true/);
    expect(storeEnginesUnderTest({ CI: 'true', REVMESH_TEST_DATABASE_URL: 'postgres://u@h:1/postgres' })).toEqual(['sqlite', 'postgres']);
  });
});
