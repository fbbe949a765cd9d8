import { verifyAuditStore } from '@revmesh/authority-core';
import { commandLine, type CommandLine } from './command-line';

/**
 * Offline audit verification: `node apps/authority/dist/audit-verify.js --data-dir <dir> [--json]`
 * (default folder: REVMESH_DATA_DIR), or `--database-url postgres://…` (default when no folder is
 * named: REVMESH_DATABASE_URL) for a PostgreSQL store.
 *
 * Opens the authority's database READ-ONLY (safe while the authority runs; nothing is
 * migrated or written), checks the hash chain of the audit log (each entry's hash, the links,
 * no gaps, nothing deleted at the end), the newest retention checkpoint's signature, and every
 * shipped entry against its signed `audit.recorded` copy in the outbox (catches a chain rewritten
 * with recomputed hashes), with the event signers' public keys stored beside it. Names the
 * first bad entry.
 *
 * Exit codes: 0 the log verifies; 1 it does not (tampered); 2 it could not be checked.
 */
async function main(): Promise<void> {
  const cli: CommandLine = commandLine('audit-verify', 2);
  if (cli.has('--help')) {
    process.stdout.write('usage: audit-verify [--data-dir <dir> | --database-url <postgres://...>] [--json]\n  verifies the audit log of an authority store (read-only)\n');
    return;
  }
  const envUrl = process.env['REVMESH_DATABASE_URL'] ?? '';
  const databaseUrl = cli.value('--database-url') ?? (cli.value('--data-dir') === undefined && envUrl !== '' ? envUrl : undefined);
  const store = databaseUrl === undefined ? { dataDir: cli.dataDir() } : { databaseUrl };
  const json = cli.has('--json');
  let result: Awaited<ReturnType<typeof verifyAuditStore>>;
  try {
    result = await verifyAuditStore(store);
  } catch (error) {
    cli.fail(error instanceof Error ? error.message : String(error));
  }
  const { chain, checkpointSignature, signedCopies } = result;
  const ok = chain.ok && (checkpointSignature === null || checkpointSignature.ok) && signedCopies.ok;
  if (json) {
    const summary = chain.ok
      ? { ok, firstSeq: chain.firstSeq, lastSeq: chain.lastSeq, entries: chain.entries.length, checkpoint: chain.checkpoint, checkpointSignature, signedCopies }
      : { ok, problem: chain.problem, seq: chain.seq, detail: chain.detail, checkpointSignature, signedCopies };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else if (!chain.ok) {
    process.stdout.write(`audit log FAILED: ${chain.problem}${chain.seq === null ? '' : ` at entry ${chain.seq}`}: ${chain.detail}\n`);
  } else if (checkpointSignature !== null && !checkpointSignature.ok) {
    process.stdout.write(`audit log FAILED: checkpoint-signature: ${checkpointSignature.detail}\n`);
  } else if (!signedCopies.ok) {
    process.stdout.write(`audit log FAILED: ${signedCopies.problem} at entry ${signedCopies.seq}: ${signedCopies.detail}\n`);
  } else {
    const range = chain.firstSeq === null ? 'no entries' : `entries ${chain.firstSeq}..${chain.lastSeq}`;
    const checkpoint =
      chain.checkpoint === null || checkpointSignature === null || !checkpointSignature.ok
        ? ''
        : `, after a checkpoint up to ${chain.checkpoint.upToSeq} signed by ${checkpointSignature.signerKid}`;
    process.stdout.write(`audit log OK: ${range}${checkpoint}; ${signedCopies.checked} checked against their signed copies\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: unknown) => commandLine('audit-verify', 2).fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
