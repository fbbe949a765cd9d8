import { resolve } from 'node:path';
import { copySourceDataDir } from './copy-source';

describe('copySourceDataDir', () => {
  it('takes sqlite:<folder>, sqlite:<folder>/authority.db and a bare path', () => {
    expect(copySourceDataDir('sqlite:/var/lib/revmesh')).toBe('/var/lib/revmesh');
    expect(copySourceDataDir('sqlite:/var/lib/revmesh/authority.db')).toBe('/var/lib/revmesh');
    expect(copySourceDataDir('sqlite:data')).toBe(resolve('data'));
    expect(copySourceDataDir('./data/authority.db')).toBe(resolve('data'));
  });

  it('refuses another scheme and an empty path', () => {
    expect(() => copySourceDataDir('postgres://revmesh@127.0.0.1/revmesh')).toThrow(/only a SQLite store can be copied from/);
    expect(() => copySourceDataDir('sqlite:')).toThrow(/needs a path/);
  });
});
