import type { Command } from 'commander';
import { listIn } from '../http/api-types';
import { renderRecords, type Column } from '../output/record-view';
import { runs, withExamples, type ProgramDeps } from './command-kit';

const INSTANCE_COLUMNS: readonly Column[] = [
  { header: 'instance', keys: ['instance_id', 'id'] },
  { header: 'live', keys: ['live', 'status', 'state'] },
  { header: 'ready', keys: ['ready'] },
  { header: 'audiences', keys: ['audiences'] },
  { header: 'key set', keys: ['key_set_version'] },
  { header: 'started', keys: ['started_at'] },
  { header: 'last seen', keys: ['last_seen_at', 'last_heartbeat_at'] },
  // From the heartbeat's staleness (shown once some instance reports it).
  { header: 'stale', keys: ['staleness.stale'] },
  { header: 'stale policy', keys: ['staleness.policy'] },
  { header: 'fail-open accepted', keys: ['staleness.fail_open_accepted'] },
];

/** `revmesh instances list`: the sidecar instances the authority hears from. */
export function registerInstances(program: Command, deps: ProgramDeps): void {
  const instances = program.command('instances').description('sidecar instances known to the authority');
  withExamples(instances, ['revmesh instances list']);

  const list = instances
    .command('list')
    .description('list sidecar instances: live or gone, ready, audiences, key-set version, last heartbeat, and the staleness it reports (stale, default stale policy, tokens accepted fail-open)')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().listInstances();
        const items = listIn(body, ['instances'], url);
        context.output.result(body, () => (items.length === 0 ? 'No sidecar instance has reported.\n' : renderRecords(items, INSTANCE_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh instances list', 'revmesh instances list --json']);
}
