import type { Command } from 'commander';
import { ApiProblemError } from '../errors';
import { asCoverage, asRevocation, type Coverage } from '../http/api-types';
import { renderCoverage, renderRevocation } from '../output/revocation-view';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/**
 * `revmesh revocation status <id>`: the revocation (published or not) and, when the authority
 * reports it, its coverage. `--json`: `{ "revocation": …, "coverage": … | null }`.
 */
export function registerRevocation(program: Command, deps: ProgramDeps): void {
  const revocation = program.command('revocation').description('inspect revocations');
  withExamples(revocation, ['revmesh revocation status 4f1c2a9e-77b0-4c55-9c2e-0d3f1b8a6c11']);

  const status = revocation
    .command('status')
    .description('show a revocation, whether it is published, and which sidecar instances enforce it')
    .argument('<id>', 'revocation id, as printed by revmesh revoke')
    .action(
      runs(deps, async (context, [id]) => {
        const api = context.api();
        // Unknown id: the authority's 404 problem, exit 5.
        const found = await api.getRevocation(id ?? '');
        const view = asRevocation(found.body, found.url);
        let coverageBody: unknown = null;
        let coverage: Coverage | undefined;
        try {
          const answer = await api.getCoverage(view.id);
          coverage = asCoverage(answer.body, answer.url);
          coverageBody = answer.body;
        } catch (error) {
          // The revocation exists, so a 404 here means no coverage (yet, or from this authority).
          if (!(error instanceof ApiProblemError && error.problem.status === 404)) throw error;
        }
        context.output.result({ revocation: found.body, coverage: coverageBody }, () => {
          const tail = coverage === undefined ? 'coverage: not reported by the authority\n' : renderCoverage(coverage);
          return `${renderRevocation(view)}\n${tail}`;
        });
      }),
    );
  withExamples(status, [
    'revmesh revocation status 4f1c2a9e-77b0-4c55-9c2e-0d3f1b8a6c11',
    'revmesh revocation status 4f1c2a9e-77b0-4c55-9c2e-0d3f1b8a6c11 --json | jq .coverage.complete',
  ]);
}
