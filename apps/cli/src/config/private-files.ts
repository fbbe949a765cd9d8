import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Owner read/write only: what credentials.json must be. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: what the config directory must be. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates `dir` (and parents) if missing and makes it owner-only. An existing directory is
 * tightened too: it is ours, and a 0755 directory would let others list it.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if ((statSync(dir).mode & 0o777) !== PRIVATE_DIR_MODE) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Writes `content` to `path` with `mode`, atomically (`privateDir: false` leaves the directory's
 * mode alone, for files written where the user asked): a reader sees the old file or the new
 * one, never half of it, and a crash mid-write leaves the old file intact. The temporary file
 * is created with the final mode (never briefly world-readable) in the same directory, so the
 * rename stays on one file system.
 */
export function writeFileAtomic(path: string, content: string, mode: number, options: { readonly privateDir?: boolean } = {}): void {
  const dir = dirname(path);
  // Our config directory is made owner-only; a directory the user named (--out) is theirs to keep as it is.
  if (options.privateDir !== false) ensurePrivateDir(dir);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The umask can only remove bits; chmod makes the mode exact whatever it was.
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never created: nothing to clean.
    }
    throw error;
  }
  syncDir(dir);
}

/** Makes the rename durable. Best effort: some platforms cannot open a directory. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Durability of the directory entry is a bonus, not a requirement.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
