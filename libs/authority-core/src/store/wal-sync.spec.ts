import { fstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError } from '../errors/errors';
import { createWalSync } from './wal-sync';

describe('WAL sync', () => {
  let dir: string;
  let walPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-wal-sync-'));
    walPath = join(dir, 'authority.db-wal');
    writeFileSync(walPath, 'frames');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A hand-driven fsync: each call waits until the test ends it. */
  function manualFsync() {
    const calls: { fd: number; end: (error?: Error) => void }[] = [];
    const fsync = (fd: number) => new Promise<void>((resolve, reject) => calls.push({ fd, end: (error) => (error ? reject(error) : resolve()) }));
    return { fsync, calls };
  }

  it('has nothing to wait for before a commit, and flushes the real file by default', async () => {
    const sync = createWalSync({ walPath });
    await expect(sync.durable()).resolves.toBeUndefined();
    await expect(sync.afterCommit()).resolves.toBeUndefined();
    await expect(sync.durable()).resolves.toBeUndefined();
    sync.close();
  });

  it('closes its descriptor only once the flush in flight has ended', async () => {
    const disk = manualFsync();
    const sync = createWalSync({ walPath, fsync: disk.fsync });
    const flushed = sync.afterCommit();
    const fd = disk.calls[0]!.fd;
    const log = fstatSync(fd).ino;
    sync.close();
    expect(fstatSync(fd).ino).toBe(log); // still open: the flush uses it
    disk.calls[0]!.end();
    await flushed;
    await new Promise((resolve) => setImmediate(resolve));
    // Closed: the number is free (or already reused by another open, never for this file).
    const inodeNow = (): number | undefined => {
      try {
        return fstatSync(fd).ino;
      } catch {
        return undefined;
      }
    };
    expect(inodeNow()).not.toBe(log);
  });

  it('fails for good when the log cannot be opened, reporting the failure once', async () => {
    rmSync(walPath);
    const onFailure = jest.fn();
    const sync = createWalSync({ walPath, onFailure });
    await expect(sync.afterCommit()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(sync.afterCommit()).rejects.toBe(sync.failure);
    await expect(sync.durable()).rejects.toBe(sync.failure);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(sync.failure?.reason).toBe('I/O error');
  });
});
