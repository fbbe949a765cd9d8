import { KeyInvalidError, KeyUnwrapError, rewrapKek } from '@revmesh/authority-core';
import { osOperator } from './command-line';
import { CONFIG_VARIABLES } from './config/config.variables';

/**
 * KEK rotation command: `node apps/authority/dist/rewrap-kek.js [--reason "..."]`.
 *
 * Reads REVMESH_DATA_DIR, REVMESH_KEK (current) and REVMESH_NEW_KEK (base64 of 32 bytes, as
 * `openssl rand -base64 32` prints), re-wraps every stored private key under the new KEK in one
 * transaction (verified before commit), and records the action. Stop the authority first: a
 * running authority would seal keys it generates afterwards with the old KEK.
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

function main(): void {
  const dataDir = CONFIG_VARIABLES.REVMESH_DATA_DIR.schema.parse(process.env['REVMESH_DATA_DIR']);
  const currentKek = kek('REVMESH_KEK');
  const newKek = kek('REVMESH_NEW_KEK');
  const reason = reasonArgument(process.argv.slice(2));
  const operator = osOperator();
  try {
    const result = rewrapKek({ dataDir, currentKek, newKek, actor: { kind: 'operator', id: operator }, reason });
    process.stdout.write(
      `re-wrapped ${result.tokenKeys} token-signing key(s), ${result.eventSigners} event signer(s) and ${result.operatorTotpSecrets} operator TOTP secret(s) in ${dataDir} under the new KEK.\n` +
        'Start the authority with REVMESH_KEK set to the value of REVMESH_NEW_KEK; the old KEK no longer opens these keys.\n',
    );
  } catch (error) {
    if (error instanceof KeyUnwrapError || error instanceof KeyInvalidError || error instanceof TypeError) fail(error.message);
    throw error;
  }
}

try {
  main();
} catch (error) {
  fail(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
