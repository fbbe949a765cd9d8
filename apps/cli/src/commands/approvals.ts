import { Option, type Command } from 'commander';
import { ApprovalFailedError } from '../errors';
import { approvalIn, APPROVAL_STATES, listIn } from '../http/api-types';
import { APPROVAL_COLUMNS, renderApproval } from '../output/approval-view';
import { renderRecords } from '../output/record-view';
import { clean } from '../output/text';
import { awaitApproval, approvedLine, DEFAULT_APPROVAL_WAIT_SECONDS, performWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseSeconds, runs, withExamples, type ProgramDeps } from './command-kit';

interface ListOptions {
  readonly state?: string;
}

interface WaitOptions {
  readonly waitTimeout?: number;
}

/** `revmesh approvals list|show|approve|deny|wait`: the two-person rule. */
export function registerApprovals(program: Command, deps: ProgramDeps): void {
  const approvals = program.command('approvals').description('actions waiting for a second security-admin: list, show, approve, deny, wait');
  withExamples(approvals, ['revmesh approvals list', 'revmesh approvals approve <id> -j "confirmed with the requester by phone"']);

  const list = approvals
    .command('list')
    .description('list approvals (all, or one state)')
    .addOption(new Option('--state <state>', 'only approvals in this state').choices(APPROVAL_STATES))
    .action(
      runs<ListOptions>(deps, async (context, _args, options) => {
        const { body, url } = await context.api().listApprovals(options.state);
        const items = listIn(body, ['approvals'], url);
        const none = options.state === undefined ? 'No approvals.\n' : `No ${options.state} approvals.\n`;
        context.output.result(body, () => (items.length === 0 ? none : renderRecords(items, APPROVAL_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh approvals list --state pending', "revmesh approvals list --json | jq -r '.approvals[] | .id'"]);

  const show = approvals
    .command('show')
    .description('show one approval: who asked, why, its parameters, and the decision and result once decided')
    .argument('<id>', 'approval id, as printed by the command that needs it')
    .action(
      runs(deps, async (context, [id]) => {
        const { body, url } = await context.api().getApproval(id ?? '');
        context.output.result(body, () => renderApproval(approvalIn(body, url)));
      }),
    );
  withExamples(show, ['revmesh approvals show 7b1e…', 'revmesh approvals show 7b1e… --json | jq .state']);

  const approve = withWriteOptions(
    approvals
      .command('approve')
      .description('approve (and so execute) an action another security-admin asked for; your own requests are refused')
      .argument('<id>', 'approval id'),
  ).action(
    runs<WriteOptions>(deps, async (context, [id], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.approve(id ?? '', justification));
      if (result.kind !== 'done') return;
      const approval = approvalIn(result.body, result.url);
      context.output.result(result.body, () => (approval.state === 'executed' ? `${approvedLine(approval)}\n` : '') + renderApproval(approval));
      if (approval.state === 'failed') {
        throw new ApprovalFailedError(`approval ${clean(approval.id)} was approved but the action failed: ${clean(approval.error ?? 'no reason given')}`);
      }
    }),
  );
  withExamples(approve, ['revmesh approvals approve 7b1e… -j "confirmed with alice by phone, incident INC-311"']);

  const deny = withWriteOptions(approvals.command('deny').description('deny a pending action; it is never executed').argument('<id>', 'approval id')).action(
    runs<WriteOptions>(deps, async (context, [id], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.deny(id ?? '', justification));
      if (result.kind !== 'done') return;
      const approval = approvalIn(result.body, result.url);
      context.output.result(result.body, () => `Denied.\n${renderApproval(approval)}`);
    }),
  );
  withExamples(deny, ['revmesh approvals deny 7b1e… -j "not an incident: the client was rotated on purpose"']);

  const wait = approvals
    .command('wait')
    .description('wait until an approval is decided: exit 0 executed, 9 denied or expired, 1 failed, 3 still undecided at the timeout')
    .argument('<id>', 'approval id')
    .addOption(new Option('--wait-timeout <seconds>', `give up after this long (exit 3); default ${DEFAULT_APPROVAL_WAIT_SECONDS}`).argParser(parseSeconds))
    .action(
      runs<WaitOptions>(deps, async (context, [id], options) => {
        const done = await awaitApproval(context, id ?? '', options.waitTimeout ?? DEFAULT_APPROVAL_WAIT_SECONDS);
        context.output.result({ approval: done.approval }, () => `${approvedLine(done.approval)}\n${renderApproval(done.approval)}`);
      }),
    );
  withExamples(wait, ['revmesh approvals wait 7b1e… --wait-timeout 1800']);
}

