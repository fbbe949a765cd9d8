import type { Command } from 'commander';
import { EVENT_SIGNERS_PATH } from '../audit/checkpoint-signers';
import { renderRotation } from '../output/rotation-view';
import { EVENT_SIGNERS_ENV, pinnedSignersOf, pinnedValue } from '../signers/pinned-signers';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

interface ReasonOptions extends WriteOptions {
  readonly reason: string;
}

interface PinOptions {
  readonly env?: boolean;
}

/** `'…'` for a POSIX shell. */
const shellQuoted = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

/** `revmesh event-signers pin|rotate`: the key that signs every event sidecars apply. */
export function registerEventSigners(program: Command, deps: ProgramDeps): void {
  const signers = program.command('event-signers').description('the key that signs events on Kafka: print the value sidecars pin, rotate it');
  withExamples(signers, [
    'revmesh --authority https://authority.example.com event-signers pin',
    'revmesh event-signers rotate --reason "scheduled signer rotation" -j "yearly rotation, SEC-90"',
  ]);

  const pin = signers
    .command('pin')
    .description(
      `print the authority's event-signing public keys as the value to pin in ${EVENT_SIGNERS_ENV} (or the sidecar's eventSigners); needs no login`,
    )
    .option('--env', `print a shell assignment ${EVENT_SIGNERS_ENV}='…' instead of the bare JSON value`)
    .action(
      runs<PinOptions>(deps, async (context, _args, options) => {
        const { body, url } = await context.client().request('GET', EVENT_SIGNERS_PATH);
        const pinned = pinnedSignersOf(body, url);
        context.output.warn(
          `trust on first use: these keys came from ${url} over the network, and whoever answered decides which events your services accept. ` +
            'Before pinning, compare each kid and x below with the authority\'s own record (GET /v1/event-signers as an operator, or the "EVENT SIGNER RESET" line of its log) over a channel you trust.',
        );
        for (const key of pinned.keys) context.output.note(`  kid ${key.kid}  x ${key.x}`);
        const value = pinnedValue(pinned);
        context.output.result(pinned, () => `${options.env === true ? `${EVENT_SIGNERS_ENV}=${shellQuoted(value)}` : value}\n`);
      }),
    );
  withExamples(pin, [
    'revmesh --authority http://127.0.0.1:8080 event-signers pin',
    `export ${EVENT_SIGNERS_ENV}="$(revmesh event-signers pin)"`,
    'revmesh event-signers pin --env >> orders-api.env',
  ]);

  const rotate = withWriteOptions(
    signers
      .command('rotate')
      .description('announce a new event-signing key (signed by the current one); the old one is withdrawn after the overlap')
      .requiredOption('--reason <text>', 'why (recorded with the rotation)', parseReason),
    { wait: true },
  ).action(
    runs<ReasonOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) => api.rotateEventSigner(options.reason, justification));
      showWrite(context, result, renderRotation);
    }),
  );
  withExamples(rotate, ['revmesh event-signers rotate --reason "scheduled signer rotation" -j "yearly rotation, SEC-90"']);
}
