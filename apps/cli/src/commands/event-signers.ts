import type { Command } from 'commander';
import { renderRotation } from '../output/rotation-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

interface ReasonOptions extends WriteOptions {
  readonly reason: string;
}

/** `revmesh event-signers rotate`: replaces the key that signs every event sidecars apply. */
export function registerEventSigners(program: Command, deps: ProgramDeps): void {
  const signers = program.command('event-signers').description('the key that signs events on Kafka');
  withExamples(signers, ['revmesh event-signers rotate --reason "scheduled signer rotation" -j "yearly rotation, SEC-90"']);

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
