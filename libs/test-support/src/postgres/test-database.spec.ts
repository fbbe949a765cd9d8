import { databaseUrl, testDatabaseName } from './test-database';

describe('testDatabaseName', () => {
  it('keeps a readable prefix, lower-cased, with only [a-z0-9_]', () => {
    expect(testDatabaseName('Store-Copy.int', 'abcdef012345')).toBe('store_copy_int_abcdef012345');
  });

  it('fits PostgreSQL\'s 63-character identifiers however long the prefix', () => {
    const name = testDatabaseName('x'.repeat(100), 'abcdef012345');
    expect(name).toHaveLength(63);
    expect(name.endsWith('_abcdef012345')).toBe(true);
  });

  it('never starts with a digit (an unquoted identifier could not)', () => {
    expect(testDatabaseName('9lives', 'abcdef012345')).toBe('lives_abcdef012345');
    expect(testDatabaseName('', 'abcdef012345')).toBe('test_abcdef012345');
  });

  it('differs between calls', () => {
    expect(testDatabaseName('a')).not.toBe(testDatabaseName('a'));
  });
});

describe('databaseUrl', () => {
  it('replaces the database and keeps user, host, port and parameters', () => {
    expect(databaseUrl('postgres://revmesh@127.0.0.1:15432/postgres?sslmode=disable', 'suite_1')).toBe(
      'postgres://revmesh@127.0.0.1:15432/suite_1?sslmode=disable',
    );
    expect(databaseUrl('postgresql://u:secret@db.example:5432', 'suite_2')).toBe('postgresql://u:secret@db.example:5432/suite_2');
  });
});
