import { InvalidArgumentError, type Command } from 'commander';
import { asRevocation, isJsonObject, listIn } from '../http/api-types';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { renderRevocation } from '../output/revocation-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

const SESSION_COLUMNS: readonly Column[] = [
  { header: 'sid', keys: ['sid'] },
  { header: 'sub', keys: ['sub'] },
  { header: 'client', keys: ['client_id'] },
  { header: 'audience', keys: ['audience'] },
  { header: 'created at', keys: ['created_at'] },
  { header: 'last used at', keys: ['last_used_at'] },
  { header: 'ended', keys: ['end_reason'] },
];
const SESSION_ORDER = ['sid', 'sub', 'subject_issuer', 'subject', 'client_id', 'audience', 'scope', 'act', 'created_at', 'last_used_at', 'expires_at', 'ended_at', 'end_reason'];

interface ListOptions {
  readonly sub?: string;
  readonly client?: string;
  readonly active?: boolean;
  readonly limit?: number;
}

interface RevokeOptions extends WriteOptions {
  readonly reason: string;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError('expected a whole number in 1..1000');
  return n;
}

/** `revmesh sessions list|show|revoke`: sessions started by token exchange and their refresh-token families. */
export function registerSessions(program: Command, deps: ProgramDeps): void {
  const sessions = program.command('sessions').description('sessions started by token exchange (each a refresh-token family with its own sid)');
  withExamples(sessions, ['revmesh sessions list --sub alice --active', 'revmesh sessions revoke 9b2e… --reason "laptop stolen" -j "INC-311: laptop stolen"']);

  const list = sessions
    .command('list')
    .description('list sessions, newest first')
    .option('--sub <sub>', "only this user's sessions (an external issuer's user is '<issuer>#<sub>')")
    .option('--client <client_id>', 'only the sessions of this client')
    .option('--active', 'only sessions not ended')
    .option('--limit <n>', 'at most this many (1..1000, default 100)', parseLimit)
    .action(
      runs<ListOptions>(deps, async (context, _args, options) => {
        const { body, url } = await context.api().listSessions({
          ...(options.sub === undefined ? {} : { sub: options.sub }),
          ...(options.client === undefined ? {} : { clientId: options.client }),
          ...(options.active === true ? { active: true } : {}),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        });
        const items = listIn(body, ['sessions'], url);
        context.output.result(body, () => (items.length === 0 ? 'No sessions.\n' : renderRecords(items, SESSION_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh sessions list --sub alice --active', "revmesh sessions list --client orders-bff --json | jq -r '.sessions[].sid'"]);

  const show = sessions
    .command('show')
    .description('one session: its user, client, audience, actor, lifetimes and how it ended')
    .argument('<sid>', 'the session id (the sid claim of its access tokens)')
    .action(
      runs(deps, async (context, [sid]) => {
        const { body } = await context.api().getSession(sid ?? '');
        context.output.result(body, () => (isJsonObject(body) ? describeRecord(body, SESSION_ORDER) : ''));
      }),
    );
  withExamples(show, ['revmesh sessions show 9b2e…', "revmesh sessions show 9b2e… --json | jq .end_reason"]);

  const revoke = withWriteOptions(
    sessions
      .command('revoke')
      .description("end a session everywhere: its refresh tokens stop working and every sidecar refuses its access tokens (a sid revocation; 'revmesh revocation status <id>' shows the progress)")
      .argument('<sid>', 'the session id')
      .requiredOption('--reason <text>', 'why (recorded with the revocation and sent to every sidecar)', parseReason),
  ).action(
    runs<RevokeOptions>(deps, async (context, [sid], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.revokeSession(sid ?? '', options.reason, justification));
      showWrite(context, result, (body) => `${renderRevocation(asRevocation(body, 'the session revocation'))}\nEnforcement progress: revmesh revocation status ${String(isJsonObject(body) ? body['id'] : '')}\n`);
    }),
  );
  withExamples(revoke, ['revmesh sessions revoke 9b2e… --reason "laptop stolen" -j "INC-311: laptop stolen"']);
}
