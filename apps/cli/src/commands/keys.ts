import type { Command } from 'commander';
import { UnexpectedResponseError } from '../errors';
import { isJsonObject, listIn } from '../http/api-types';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { renderRotation } from '../output/rotation-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

const KEY_COLUMNS: readonly Column[] = [
  { header: 'kid', keys: ['kid'] },
  { header: 'state', keys: ['state'] },
  { header: 'alg', keys: ['alg', 'public_jwk.alg'] },
  { header: 'created', keys: ['created_at'] },
  { header: 'activated', keys: ['activated_at'] },
  { header: 'deactivated', keys: ['deactivated_at'] },
  { header: 'retire after', keys: ['retire_after'] },
  { header: 'state changed', keys: ['state_changed_at', 'revoked_at'] },
];

const CALENDAR_COLUMNS: readonly Column[] = [
  { header: 'when', keys: ['at', 'scheduled_at', 'due_at', 'when'] },
  { header: 'action', keys: ['action', 'kind', 'type', 'event'] },
  { header: 'kid', keys: ['kid', 'key_id'] },
  { header: 'state', keys: ['to_state', 'state'] },
  { header: 'note', keys: ['note', 'reason', 'description'] },
];

const CALENDAR_LISTS = ['entries', 'events', 'calendar', 'items', 'upcoming'];

interface ReasonOptions extends WriteOptions {
  readonly reason: string;
}

interface IncidentReasonOptions extends ReasonOptions {
  readonly incident?: string;
}

/** `--incident <id>` of the key actions made for an incident. */
const INCIDENT_OPTION = ['--incident <id>', "link it to this open incident (see 'revmesh incident list')"] as const;

interface RollbackOptions extends ReasonOptions {
  readonly revokeNewKey?: boolean;
}

/** `revmesh keys list|calendar|rotate|compromise|rollback`: the token-signing keys. */
export function registerKeys(program: Command, deps: ProgramDeps): void {
  const keys = program.command('keys').description('token-signing keys: list, calendar, rotate, compromise, rollback');
  withExamples(keys, ['revmesh keys list', 'revmesh keys compromise <kid> --reason "private key in a public repo" -j "INC-310"']);

  const list = keys
    .command('list')
    .description('list the signing keys and their lifecycle state (pending, active, retiring, retired, revoked)')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().listKeys();
        const items = listIn(body, ['keys'], url);
        context.output.result(body, () => (items.length === 0 ? 'No keys.\n' : renderRecords(items, KEY_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh keys list', "revmesh keys list --json | jq -r '.keys[] | select(.state==\"active\") | .kid'"]);

  const calendar = keys
    .command('calendar')
    .description('upcoming scheduled rotations and retirements')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().keyCalendar();
        context.output.result(body, () => {
          if (Array.isArray(body) || (isJsonObject(body) && CALENDAR_LISTS.some((k) => Array.isArray(body[k])))) {
            const items = listIn(body, CALENDAR_LISTS, url);
            return items.length === 0 ? 'Nothing scheduled.\n' : renderRecords(items, CALENDAR_COLUMNS);
          }
          if (isJsonObject(body)) return describeRecord(body);
          throw new UnexpectedResponseError(`${url} did not answer with a calendar`);
        });
      }),
    );
  withExamples(calendar, ['revmesh keys calendar', 'revmesh keys calendar --json']);

  const rotate = withWriteOptions(
    keys
      .command('rotate')
      .description('rotate now: promote the pre-published standby key and publish a new standby')
      .requiredOption('--reason <text>', 'why (recorded with the rotation)', parseReason)
      .option(...INCIDENT_OPTION),
    { wait: true },
  ).action(
    runs<IncidentReasonOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) => api.rotateKeys(options.reason, justification, options.incident));
      showWrite(context, result, renderRotation);
    }),
  );
  withExamples(rotate, ['revmesh keys rotate --reason "quarterly rotation brought forward" -j "auditor asked for it, SEC-88"']);

  const compromise = withWriteOptions(
    keys
      .command('compromise')
      .description('emergency: revoke a key (every token it signed is rejected everywhere) and promote the standby at once')
      .argument('<kid>', 'the compromised key id (see revmesh keys list)')
      .requiredOption('--reason <text>', 'why (recorded with the rotation)', parseReason)
      .option(...INCIDENT_OPTION),
    { wait: true },
  ).action(
    runs<IncidentReasonOptions>(deps, async (context, [kid], options) => {
      const result = await performWrite(context, options, (api, justification) => api.compromiseKey(kid ?? '', options.reason, justification, options.incident));
      showWrite(context, result, renderRotation);
    }),
  );
  withExamples(compromise, [
    'revmesh keys compromise 3q2-X9w… --reason "private key found in a public repository" -j "INC-310: key in a public repo"',
    'revmesh keys compromise 3q2-X9w… --reason "key leaked" -j "INC-310" --wait      # waits for the second security-admin',
  ]);

  const rollback = withWriteOptions(
    keys
      .command('rollback')
      .description('undo a rotation: re-activate the previous key (refused if it is revoked); the new key becomes retired')
      .argument('<rotation-id>', 'the rotation to undo (printed by keys rotate / compromise)')
      .requiredOption('--reason <text>', 'why (recorded with the rollback)', parseReason)
      .option('--revoke-new-key', 'make the key being rolled back from revoked instead of retired (its tokens are rejected)'),
    { wait: true },
  ).action(
    runs<RollbackOptions>(deps, async (context, [rotationId], options) => {
      const result = await performWrite(context, options, (api, justification) =>
        api.rollbackRotation(
          rotationId ?? '',
          { reason: options.reason, ...(options.revokeNewKey === true ? { newKeyState: 'revoked' as const } : {}) },
          justification,
        ),
      );
      showWrite(context, result, renderRotation);
    }),
  );
  withExamples(rollback, [
    'revmesh keys rollback 0b7d… --reason "new key rejected by legacy verifier" -j "checkout outage, INC-311"',
    'revmesh keys rollback 0b7d… --reason "new key was generated on a bad host" --revoke-new-key -j "INC-312"',
  ]);
}
