import { Option, type Command } from 'commander';
import { readNewPassword } from '../auth/new-password';
import { isJsonObject, listIn } from '../http/api-types';
import { renderEnrollment } from '../output/enrollment-view';
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
  { header: 'disabled at', keys: ['disabledAt'] },
];

interface AddOptions extends WriteOptions {
  readonly role: string;
  readonly passwordStdin?: boolean;
}

/** `revmesh operators list|add|disable`: the people who may use the authority. */
export function registerOperators(program: Command, deps: ProgramDeps): void {
  const operators = program.command('operators').description('operator accounts: list, add (with TOTP enrolment), disable');
  withExamples(operators, ['revmesh operators list', 'revmesh operators add bob --role responder -j "joins the on-call rota"']);

  const list = operators
    .command('list')
    .description('list operators with their role and whether they are disabled')
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
      .description('create an operator; prints its TOTP secret and otpauth URI once, for its authenticator')
      .argument('<username>', 'the new operator')
      .addOption(new Option('--role <role>', 'what the operator may do').choices(OPERATOR_ROLES).makeOptionMandatory())
      .option('--password-stdin', 'read the new password from stdin (else asked twice at the terminal, hidden)'),
  ).action(
    runs<AddOptions>(deps, async (context, [username], options) => {
      const name = (username ?? '').trim();
      const authority = context.authority().display;
      // Checked before the password is asked for: nobody types a password for a command that will fail.
      context.credential();
      let password: string | undefined;
      const result = await performWrite(context, { ...options, wait: false }, async (api, justification) => {
        password ??= await readNewPassword(context, options.passwordStdin === true, name);
        return api.addOperator({ username: name, password, role: options.role }, justification);
      });
      showWrite(context, result, (body) => renderEnrollment(body, authority));
    }),
  );
  withExamples(add, [
    'revmesh operators add bob --role responder -j "joins the on-call rota, ticket SEC-42"',
    'revmesh operators add ci-viewer --role viewer -j "dashboard access" --password-stdin < pw-file',
  ]);

  const disable = withWriteOptions(
    operators.command('disable').description('disable an operator: its sessions end and it can no longer log in').argument('<username>', 'the operator'),
  ).action(
    runs<WriteOptions>(deps, async (context, [username], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.disableOperator(username ?? '', justification));
      showWrite(context, result, (body) => {
        const operator = isJsonObject(body) && isJsonObject(body['operator']) ? body['operator'] : body;
        return isJsonObject(operator) ? `Disabled.\n${describeRecord(operator, ['username', 'role', 'disabledAt'])}` : 'Disabled.\n';
      });
    }),
  );
  withExamples(disable, ['revmesh operators disable bob -j "left the company, ticket HR-7"']);
}
