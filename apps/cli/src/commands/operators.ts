import { Argument, Option, type Command } from 'commander';
import { isJsonObject, listIn } from '../http/api-types';
import { renderEnrolmentCode } from '../output/enrollment-view';
import { clean } from '../output/text';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Operator roles, lowest first. */
export const OPERATOR_ROLES = ['viewer', 'responder', 'security-admin'] as const;

const OPERATOR_COLUMNS: readonly Column[] = [
  { header: 'username', keys: ['username'] },
  { header: 'role', keys: ['role'] },
  { header: 'created at', keys: ['createdAt'] },
  { header: 'created by', keys: ['createdBy'] },
  { header: 'enrolled at', keys: ['enrolledAt'] },
  { header: 'disabled at', keys: ['disabledAt'] },
];

interface AddOptions extends WriteOptions {
  readonly role: string;
}

/** The operator in an answer `{operator: …}`, as `key: value` lines after `title`. */
function describeOperator(title: string): (body: unknown) => string {
  return (body) => {
    const operator = isJsonObject(body) && isJsonObject(body['operator']) ? body['operator'] : body;
    return isJsonObject(operator) ? `${title}\n${describeRecord(operator, ['username', 'role', 'disabledAt', 'enrolledAt'])}` : `${title}\n`;
  };
}

/**
 * `revmesh operators list|add|disable|role|enable|reset-second-factor|enrolment-code`: the people
 * who may use the authority. New operators enrol themselves (`revmesh enrol`) with the one-time
 * code `add` prints; creating a security-admin, raising a role, re-enabling and resetting a
 * second factor wait for a second security-admin under the default policy (exit 8).
 */
export function registerOperators(program: Command, deps: ProgramDeps): void {
  const operators = program.command('operators').description('operator accounts: list, add (with a one-time enrolment code), disable, change role, enable, reset');
  withExamples(operators, ['revmesh operators list', 'revmesh operators add bob --role responder -j "joins the on-call rota"']);

  const list = operators
    .command('list')
    .description('list operators with their role, whether they enrolled and whether they are disabled')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().listOperators();
        const items = listIn(body, ['operators'], url);
        context.output.result(body, () => (items.length === 0 ? 'No operators.\n' : renderRecords(items, OPERATOR_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh operators list', "revmesh operators list --json | jq -r '.operators[].username'"]);

  const add = withWriteOptions(
    operators
      .command('add')
      .description('create an operator; prints a one-time enrolment code with which that person sets their own password and TOTP')
      .argument('<username>', 'the new operator')
      .addOption(new Option('--role <role>', 'what the operator may do').choices(OPERATOR_ROLES).makeOptionMandatory()),
    { wait: true },
  ).action(
    runs<AddOptions>(deps, async (context, [username], options) => {
      const name = (username ?? '').trim();
      const authority = context.authority().display;
      const result = await performWrite(context, options, (api, justification) => api.addOperator({ username: name, role: options.role }, justification));
      showWrite(context, result, (body) =>
        isJsonObject(body) && isJsonObject(body['enrolment'])
          ? renderEnrolmentCode(body, authority)
          : `${describeOperator('Created.')(body)}Issue their enrolment code: revmesh operators enrolment-code ${clean(name)} -j "…"\n`,
      );
    }),
  );
  withExamples(add, [
    'revmesh operators add bob --role responder -j "joins the on-call rota, ticket SEC-42"',
    'revmesh operators add carol --role security-admin -j "second on-call admin, SEC-43" --wait   # waits for another security-admin',
  ]);

  const disable = withWriteOptions(
    operators.command('disable').description('disable an operator: its sessions end and it can no longer log in').argument('<username>', 'the operator'),
  ).action(
    runs<WriteOptions>(deps, async (context, [username], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.disableOperator(username ?? '', justification));
      showWrite(context, result, describeOperator('Disabled.'));
    }),
  );
  withExamples(disable, ['revmesh operators disable bob -j "left the company, ticket HR-7"']);

  const role = withWriteOptions(
    operators
      .command('role')
      .description('change an operator\'s role: raising it waits for a second security-admin, lowering it applies at once')
      .argument('<username>', 'the operator')
      .addArgument(new Argument('<role>', 'the new role').choices(OPERATOR_ROLES)),
    { wait: true },
  ).action(
    runs<WriteOptions>(deps, async (context, [username, newRole], options) => {
      const result = await performWrite(context, options, (api, justification) => api.setOperatorRole(username ?? '', newRole ?? '', justification));
      showWrite(context, result, describeOperator('Role changed.'));
    }),
  );
  withExamples(role, ['revmesh operators role bob security-admin -j "takes over key custody, SEC-50"', 'revmesh operators role bob viewer -j "moved teams"']);

  const enable = withWriteOptions(
    operators.command('enable').description('re-enable a disabled operator (waits for a second security-admin)').argument('<username>', 'the operator'),
    { wait: true },
  ).action(
    runs<WriteOptions>(deps, async (context, [username], options) => {
      const result = await performWrite(context, options, (api, justification) => api.enableOperator(username ?? '', justification));
      showWrite(context, result, describeOperator('Enabled.'));
    }),
  );
  withExamples(enable, ['revmesh operators enable bob -j "back from leave, HR-9"']);

  const reset = withWriteOptions(
    operators
      .command('reset-second-factor')
      .description("forget an operator's password and TOTP and end their sessions (waits for a second security-admin); they enrol again")
      .argument('<username>', 'the operator'),
    { wait: true },
  ).action(
    runs<WriteOptions>(deps, async (context, [username], options) => {
      const result = await performWrite(context, options, (api, justification) => api.resetSecondFactor(username ?? '', justification));
      showWrite(context, result, (body) => `${describeOperator('Second factor reset.')(body)}Issue their enrolment code: revmesh operators enrolment-code ${clean(username ?? '')} -j "…"\n`);
    }),
  );
  withExamples(reset, ['revmesh operators reset-second-factor bob -j "phone lost, SEC-61" --wait']);

  const code = withWriteOptions(
    operators
      .command('enrolment-code')
      .description('a new one-time enrolment code for an operator who has not enrolled (earlier codes stop working)')
      .argument('<username>', 'the operator'),
  ).action(
    runs<WriteOptions>(deps, async (context, [username], options) => {
      const authority = context.authority().display;
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.issueEnrolmentCode(username ?? '', justification));
      showWrite(context, result, (body) => renderEnrolmentCode(body, authority));
    }),
  );
  withExamples(code, ['revmesh operators enrolment-code bob -j "the first code expired, SEC-42"']);
}
