import { backupStore } from '@revmesh/authority-core';
import { commandLine, type CommandLine } from './command-line';

/**
 * Online backup of the authority's SQLite store: `npm run store:backup -- --to <file> [--data-dir <dir>] [--json]`
 * (default folder: REVMESH_DATA_DIR). Safe while the authority runs and writes: the copy is one
 * consistent state of the database, checked (SQLite integrity, schema, audit chain with its signed
 * copies) before it appears at `--to`, which must not exist. The backup holds private keys sealed
 * by the KEK in force (REVMESH_KEK), not the KEK itself: keep the KEK with it, apart.
 *
 * Exit codes: 0 written and verified; 2 nothing written (bad arguments, no store, failed check).
 */
async function main(): Promise<void> {
  const cli: CommandLine = commandLine('store-backup', 2);
  if (cli.has('--help')) {
    process.stdout.write('usage: store-backup --to <file> [--data-dir <dir>] [--json]\n  writes a verified copy of the authority store (online: the authority may run)\n');
    return;
  }
  const to = cli.value('--to');
  if (to === undefined || to === '') cli.fail('--to <file> is required');
  const dataDir = cli.dataDir();
  let result: Awaited<ReturnType<typeof backupStore>>;
  try {
    result = await backupStore({ dataDir, to });
  } catch (error) {
    cli.fail(error instanceof Error ? error.message : String(error));
  }
  const { bytes, schemaVersion, lastAuditSeq } = result;
  if (cli.has('--json')) process.stdout.write(`${JSON.stringify({ ok: true, file: to, bytes, schemaVersion, lastAuditSeq })}\n`);
  else process.stdout.write(`backup written to ${to}: ${bytes} bytes, schema version ${schemaVersion}, audit log verified up to entry ${lastAuditSeq ?? 'none'}\n`);
}

main().catch((error: unknown) => commandLine('store-backup', 2).fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
