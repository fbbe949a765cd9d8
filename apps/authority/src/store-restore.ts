import { restoreStore, StoreLockedError } from '@revmesh/authority-core';
import { commandLine, osOperator, type CommandLine } from './command-line';

/**
 * Restores a backup written by `store:backup` into a STOPPED authority's data folder:
 * `npm run store:restore -- --from <file> [--data-dir <dir>] [--reason "..."]` (default folder:
 * REVMESH_DATA_DIR). The backup is checked first; the database in the folder is moved aside as
 * `authority.db.replaced-<time>` (with its -wal/-shm), never deleted; the restore is recorded in the
 * restored audit log. Start the authority with the REVMESH_KEK that was in force when the backup
 * was taken.
 *
 * Exit codes: 0 restored; 1 an authority runs on the folder (STORE_LOCKED); 2 nothing changed
 * (bad arguments, a backup that fails its checks).
 */
async function main(): Promise<void> {
  const cli: CommandLine = commandLine('store-restore', 2);
  if (cli.has('--help')) {
    process.stdout.write('usage: store-restore --from <file> [--data-dir <dir>] [--reason "..."]\n  puts a backup in place of a stopped authority\'s store\n');
    return;
  }
  const from = cli.value('--from');
  if (from === undefined || from === '') cli.fail('--from <file> is required');
  const dataDir = cli.dataDir();
  const reason = (cli.value('--reason') ?? 'store restored from a backup').trim();
  if (reason === '' || reason.length > 1000) cli.fail('--reason needs a text of 1..1000 characters');
  try {
    const result = await restoreStore({ dataDir, from, actor: { kind: 'operator', id: osOperator() }, reason });
    process.stdout.write(
      `restored ${from} into ${dataDir}: schema version ${result.schemaVersion}, audit log verified up to entry ${result.lastAuditSeq ?? 'none'}` +
        `${result.replacedAs === null ? '' : `; the previous database is kept as ${result.replacedAs}`}\n`,
    );
  } catch (error) {
    if (error instanceof StoreLockedError) cli.fail(`${error.code}: ${error.message}`, 1);
    cli.fail(error instanceof Error ? error.message : String(error));
  }
}

main().catch((error: unknown) => commandLine('store-restore', 2).fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
