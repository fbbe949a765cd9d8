import { AuthorityError, copyAuthorityStore, copySourceDataDir, StoreCopyUnverifiedError, type StoreCopySummary } from '@revmesh/authority-core';
import { commandLine, type CommandLine } from './command-line';

/**
 * Store migration command:
 * `node apps/authority/dist/store-copy.js --from sqlite:<data folder> --to postgres://… [--batch-rows N] [--json]`
 * (`npm run store:copy -- …`).
 *
 * Copies every table of a SQLite store into an EMPTY PostgreSQL database (created beforehand with
 * createdb; its tables are created here, at this authority's schema version) in one transaction,
 * checks the row count of every table and the audit chain before committing, and verifies the
 * audit log on the target like `audit:verify` after. Stop the authority first (the data folder's
 * lock is taken, so a running one makes the copy refuse). Refused, and nothing written, when the
 * source's schema version is not this authority's, or the target already holds data.
 *
 * Exit codes: 0 copied and verified; 1 copied data did not verify (rolled back, or committed:
 * the message says which); 2 refused or could not copy (nothing written).
 */
const USAGE = `usage: store-copy --from sqlite:<data folder or authority.db> --to postgres://user@host:port/database [--batch-rows N] [--json]
  copies an authority's SQLite store into an empty PostgreSQL database, then verifies row counts and the audit log
`;

function batchRows(cli: CommandLine): number | undefined {
  const text = cli.value('--batch-rows');
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) cli.fail(`--batch-rows must be an integer from 1 to 10000, got ${text}`);
  return value;
}

function report(summary: StoreCopySummary & { readonly target: string }, from: string): string {
  const copied = summary.tables.filter((t) => t.rows > 0);
  const width = Math.max(...copied.map((t) => t.table.length), 5);
  const { chain, signedCopies } = summary.audit;
  const range = !chain.ok || chain.firstSeq === null ? 'no entries' : `entries ${chain.firstSeq}..${chain.lastSeq}`;
  const checked = signedCopies.ok ? signedCopies.checked : 0;
  const copySeconds = summary.copyMs / 1000;
  return [
    `copied ${summary.rows} rows of ${summary.tables.length} tables from ${from} to ${summary.target} (schema version ${summary.schemaVersion})`,
    `  copy ${copySeconds.toFixed(2)} s (${Math.round(summary.rows / Math.max(copySeconds, 0.001))} rows/s, in one transaction with row counts and chain check), ` +
      `audit verification ${((summary.ms - summary.copyMs) / 1000).toFixed(2)} s`,
    ...copied.map((t) => `  ${t.table.padEnd(width)}  ${String(t.rows).padStart(9)}`),
    `  ${summary.tables.length - copied.length} tables empty in the source`,
    `row counts match; audit log OK on the target: ${range}; ${checked} checked against their signed copies`,
    '',
  ].join('\n');
}

async function main(cli: CommandLine): Promise<void> {
  if (cli.has('--help') || cli.has('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const from = cli.value('--from');
  const to = cli.value('--to');
  if (from === undefined || to === undefined) cli.fail(`--from and --to are required\n${USAGE}`);
  const json = cli.has('--json');
  const rows = batchRows(cli);
  let fromDataDir: string;
  try {
    fromDataDir = copySourceDataDir(from);
  } catch (error) {
    cli.fail(error instanceof Error ? error.message : String(error));
  }
  try {
    const summary = await copyAuthorityStore({ fromDataDir, to, ...(rows === undefined ? {} : { batchRows: rows }) });
    if (json) {
      const { audit, ...rest } = summary;
      process.stdout.write(`${JSON.stringify({ ok: true, ...rest, auditEntries: audit.chain.ok ? audit.chain.entries.length : 0 })}\n`);
    } else {
      process.stdout.write(report(summary, fromDataDir));
    }
  } catch (error) {
    if (error instanceof StoreCopyUnverifiedError) cli.fail(error.message, 1);
    if (error instanceof AuthorityError || error instanceof TypeError) cli.fail(error.message);
    throw error;
  }
}

const cli = commandLine('store-copy', 2);
main(cli).catch((error: unknown) => cli.fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
