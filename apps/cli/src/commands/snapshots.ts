import type { Command } from 'commander';
import { isJsonObject } from '../http/api-types';
import { describeRecord } from '../output/record-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

interface PublishOptions extends WriteOptions {
  readonly reason: string;
}

const ORDER = ['seq', 'rules', 'bytes', 'chunks', 'created_at', 'duration_ms', 'offsets'];
const LABELS = { created_at: 'created at', duration_ms: 'took (ms)' };
const render = (body: unknown): string => (isJsonObject(body) ? describeRecord(body, ORDER, LABELS) : `${JSON.stringify(body)}\n`);

/** `revmesh snapshots publish|latest`: the signed snapshots starting sidecars load. */
export function registerSnapshots(program: Command, deps: ProgramDeps): void {
  const snapshots = program.command('snapshots').description('signed snapshots of the live deny state, which starting sidecars load instead of replaying every revocation');
  withExamples(snapshots, ['revmesh snapshots publish --reason "before scaling out" -j "200 new pods after the incident, INC-77"', 'revmesh snapshots latest']);

  const publish = withWriteOptions(
    snapshots
      .command('publish')
      .description('publish a signed snapshot now (the authority also publishes one every REVMESH_SNAPSHOT_INTERVAL_MS)')
      .requiredOption('--reason <text>', 'why (recorded in the audit log)', parseReason),
  ).action(
    runs<PublishOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) => api.publishSnapshot(options.reason, justification));
      showWrite(context, result, render);
    }),
  );
  withExamples(publish, ['revmesh snapshots publish --reason "before scaling out" -j "200 new pods after the incident, INC-77"']);

  const latest = snapshots
    .command('latest')
    .description('the last snapshot this authority published since it started')
    .action(
      runs(deps, async (context) => {
        const { body } = await context.client().request('GET', 'v1/snapshots/latest');
        context.output.result(body, () => render(body));
      }),
    );
  withExamples(latest, ['revmesh snapshots latest', 'revmesh snapshots latest --json | jq .offsets']);
}
