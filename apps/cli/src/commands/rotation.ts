import type { Command } from 'commander';
import { renderRotation } from '../output/rotation-view';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** `revmesh rotation status <id>`: a rotation record, its steps and the instances that confirmed. */
export function registerRotation(program: Command, deps: ProgramDeps): void {
  const rotation = program.command('rotation').description('inspect key rotations');
  withExamples(rotation, ['revmesh rotation status 0b7d…']);

  const status = rotation
    .command('status')
    .description('show a rotation: its steps with timestamps and any instance that never confirmed')
    .argument('<id>', 'rotation id, as printed by keys rotate / compromise / rollback')
    .action(
      runs(deps, async (context, [id]) => {
        const { body } = await context.api().getRotation(id ?? '');
        context.output.result(body, () => renderRotation(body));
      }),
    );
  withExamples(status, ['revmesh rotation status 0b7d…', 'revmesh rotation status 0b7d… --json']);
}
