import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from '../errors/errors';
import { openStore, type AuthorityStore } from './store';

describe('one writer per data folder', () => {
  let dataDir: string;
  const open: AuthorityStore[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'revmesh-writer-lock-'));
  });
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second store on the same folder, naming the holder', () => {
    open.push(openStore({ dataDir }));
    let refusal: unknown;
    try {
      open.push(openStore({ dataDir }));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StoreLockedError);
    expect((refusal as StoreLockedError).code).toBe('STORE_LOCKED');
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);
    expect((refusal as Error).message).toContain('REVMESH_DATA_DIR');
  });

  it('frees the folder on close, and another folder is never affected', () => {
    const first = openStore({ dataDir });
    const other = mkdtempSync(join(tmpdir(), 'revmesh-writer-lock-other-'));
    try {
      const elsewhere = openStore({ dataDir: other });
      elsewhere.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    first.close();
    const again = openStore({ dataDir });
    open.push(again);
    expect(again.db.prepare('SELECT 1 AS one').get()).toEqual({ one: 1 });
  });
});
