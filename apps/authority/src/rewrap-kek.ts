import { KeyInvalidError, KeyUnwrapError, rewrapKek, StoreError } from '@revmesh/authority-core';
import { commandLine, osOperator } from './command-line';
import { CONFIG_VARIABLES } from './config/config.variables';

/**
 * KEK rotation command: `node apps/authority/dist/rewrap-kek.js [--database-url postgres://…] [--reason "..."]`.
 *
 * Reads the store (`--database-url`, else REVMESH_DATABASE_URL: PostgreSQL; otherwise
 * REVMESH_DATA_DIR: SQLite), REVMESH_KEK (current) and REVMESH_NEW_KEK (base64 of 32 bytes, as
 * `openssl rand -base64 32` prints), re-wraps every stored private key under the new KEK in one
 * transaction (verified before commit), and records the action. Stop the authority first (every
 * replica, on PostgreSQL): a running authority would seal keys it generates afterwards with the old KEK.
 */
function fail(message: string): never {
  process.stderr.write(`revmesh rewrap-kek: ${message}\n`);
  process.exit(1);
}

function kek(name: 'REVMESH_KEK' | 'REVMESH_NEW_KEK'): Buffer {
  // REVMESH_NEW_KEK follows exactly the rules of REVMESH_KEK.
  const parsed = CONFIG_VARIABLES.REVMESH_KEK.schema.safeParse(process.env[name]);
  if (!parsed.success) fail(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'}: ${CONFIG_VARIABLES.REVMESH_KEK.fix}`);
  return parsed.data;
}

function reasonArgument(args: readonly string[]): string {
  const i = args.indexOf('--reason');
  if (i === -1) return 'KEK rotation';
  const reason = args[i + 1]?.trim();
  if (reason === undefined || reason === '' || reason.length > 1000) fail('--reason needs a text of 1..1000 characters');
  return reason;
}

/** `--database-url`, else REVMESH_DATABASE_URL (validated as the authority validates it); undefined: SQLite. */
function databaseUrlArgument(): string | undefined {
  const named = commandLine('rewrap-kek', 1).value('--database-url');
  const parsed = CONFIG_VARIABLES.REVMESH_DATABASE_URL.schema.safeParse(named ?? process.env['REVMESH_DATABASE_URL']);
  if (!parsed.success) fail(`${named === undefined ? 'REVMESH_DATABASE_URL' : '--database-url'} ${parsed.error.issues[0]?.message ?? 'is invalid'}: ${CONFIG_VARIABLES.REVMESH_DATABASE_URL.fix}`);
  return parsed.data;
}

function main(): void {
  const databaseUrl = databaseUrlArgument();
  const store = databaseUrl === undefined ? { dataDir: CONFIG_VARIABLES.REVMESH_DATA_DIR.schema.parse(process.env['REVMESH_DATA_DIR']) } : { databaseUrl };
  const currentKek = kek('REVMESH_KEK');
  const newKek = kek('REVMESH_NEW_KEK');
  const reason = reasonArgument(process.argv.slice(2));
  const operator = osOperator();
  try {
    const result = rewrapKek({ ...store, currentKek, newKek, actor: { kind: 'operator', id: operator }, reason });
    process.stdout.write(
      `re-wrapped ${result.tokenKeys} token-signing key(s), ${result.eventSigners} event signer(s) and ${result.operatorTotpSecrets} operator TOTP secret(s) in ${result.store} under the new KEK.\n` +
        'Start the authority with REVMESH_KEK set to the value of REVMESH_NEW_KEK; the old KEK no longer opens these keys.\n',
    );
  } catch (error) {
    if (error instanceof KeyUnwrapError || error instanceof KeyInvalidError || error instanceof TypeError || error instanceof StoreError) fail(error.message);
    throw error;
  }
}

try {
  main();
} catch (error) {
  fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
