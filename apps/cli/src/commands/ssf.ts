import type { Command } from 'commander';
import type { CommandContext } from '../context';
import { UsageError } from '../errors';
import { isJsonObject, listIn } from '../http/api-types';
import { isTerminal, promptLine } from '../io/read-secret';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

/** Where `revmesh ssf transmitters add` reads the receiver's client secret when not asked at a terminal. */
export const SSF_CLIENT_SECRET_ENV = 'REVMESH_SSF_CLIENT_SECRET';

const TRANSMITTER_COLUMNS: readonly Column[] = [
  { header: 'id', keys: ['id'] },
  { header: 'issuer', keys: ['issuer'] },
  { header: 'delivery', keys: ['delivery'] },
  { header: 'status', keys: ['status'] },
  { header: 'stream', keys: ['streamId'] },
  { header: 'verified at', keys: ['verifiedAt'] },
];

interface AddOptions extends WriteOptions {
  readonly config: string;
  readonly clientId: string;
  readonly scope?: string;
  readonly tokenEndpoint?: string;
  readonly poll?: boolean;
  readonly description?: string;
}

/** The receiver's client secret: the environment, else asked at a terminal (hidden). Never a flag: it would stay in shell history. */
async function clientSecret(context: CommandContext): Promise<string> {
  const given = context.io.env[SSF_CLIENT_SECRET_ENV] || undefined;
  if (given !== undefined) return given;
  if (!isTerminal(context.io.stdin)) throw new UsageError(`set ${SSF_CLIENT_SECRET_ENV} to the receiver client's secret`);
  return promptLine(context.io.stdin, context.io.stderr, 'receiver client secret (input hidden): ', { hidden: true });
}

const transmitterOf = (body: unknown) => (isJsonObject(body) && isJsonObject(body['transmitter']) ? body['transmitter'] : body);

/**
 * `revmesh ssf transmitters list|add|verify|refresh|remove`: OpenID providers whose Shared Signals
 * (CAEP/RISC) events revmesh receives and turns into revocations of their tokens.
 */
export function registerSsf(program: Command, deps: ProgramDeps): void {
  const ssf = program.command('ssf').description('OpenID Shared Signals (SSF 1.0, CAEP, RISC)');
  withExamples(ssf, ['revmesh ssf transmitters list']);
  const transmitters = ssf
    .command('transmitters')
    .description("providers (e.g. Keycloak) whose CAEP/RISC events - session revoked, credential changed, account disabled - revoke their tokens everywhere");
  withExamples(transmitters, [
    'revmesh ssf transmitters list',
    'revmesh ssf transmitters add keycloak --config https://sso.example.com/realms/acme/.well-known/ssf-configuration --client-id revmesh-ssf-receiver --scope "ssf.read ssf.manage" -j "logouts end API tokens, CHG-40"',
  ]);

  const list = transmitters
    .command('list')
    .description('list the registered transmitters with their stream and its status')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().listSsfTransmitters();
        const items = listIn(body, ['transmitters'], url);
        context.output.result(body, () => (items.length === 0 ? 'No SSF transmitters.\n' : renderRecords(items, TRANSMITTER_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh ssf transmitters list', "revmesh ssf transmitters list --json | jq -r '.transmitters[].id'"]);

  const add = withWriteOptions(
    transmitters
      .command('add')
      .description(
        `register a transmitter: revmesh reads its SSF configuration, gets a token with the receiver's client credentials (secret from ${SSF_CLIENT_SECRET_ENV} or asked) and creates a stream that pushes to this authority (or --poll); its issuer must be a trusted issuer first ('revmesh issuers add')`,
      )
      .argument('<id>', 'short name: lower-case letters, digits, ".", "_", "-" (e.g. keycloak)')
      .requiredOption('--config <url>', "the transmitter's SSF configuration URL (<issuer>/.well-known/ssf-configuration)")
      .requiredOption('--client-id <id>', "the receiver client at the provider (allowed to manage SSF streams)")
      .option('--scope <scopes>', 'scope of the receiver token (Keycloak: "ssf.read ssf.manage")')
      .option('--token-endpoint <url>', "the provider's token endpoint (default: from its OpenID configuration)")
      .option('--poll', 'poll for events (RFC 8936) instead of receiving pushes (RFC 8935)')
      .option('--description <text>', 'what it is, for the people reading the list'),
  ).action(
    runs<AddOptions>(deps, async (context, [id], options) => {
      const input = {
        id: id ?? '',
        config_url: options.config,
        client_id: options.clientId,
        client_secret: await clientSecret(context),
        delivery: options.poll === true ? ('poll' as const) : ('push' as const),
        ...(options.scope === undefined ? {} : { scope: options.scope }),
        ...(options.tokenEndpoint === undefined ? {} : { token_endpoint: options.tokenEndpoint }),
        ...(options.description === undefined ? {} : { description: options.description }),
      };
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.addSsfTransmitter(input, justification));
      showWrite(context, result, (body) => {
        const added = transmitterOf(body);
        return `Registered SSF transmitter ${input.id}.\n${isJsonObject(added) ? describeRecord(added, ['id', 'issuer', 'delivery', 'streamId', 'endpointUrl', 'status']) : ''}`;
      });
    }),
  );
  withExamples(add, [
    `revmesh ssf transmitters add keycloak --config http://127.0.0.1:18080/realms/revmesh-demo/.well-known/ssf-configuration --client-id revmesh-ssf-receiver --scope "ssf.read ssf.manage" -j "Keycloak logouts end API tokens, CHG-40"`,
  ]);

  const actions = [
    { verb: 'verify', description: 'ask the transmitter for a verification event; `list` shows when it arrived', done: 'Verification requested' },
    { verb: 'refresh', description: 'read the stream and its status from the transmitter again', done: 'Refreshed' },
    { verb: 'remove', description: 'delete the stream at the transmitter and the registration (its past revocations stay in force)', done: 'Removed' },
    {
      verb: 'rotate-push-authorization',
      description: 'give the push stream a new authorization header (the transmitter is told; the old header works for another minute)',
      done: 'Push authorization rotated',
    },
  ] as const;
  for (const action of actions) {
    const command = withWriteOptions(transmitters.command(action.verb).description(action.description).argument('<id>', 'the transmitter id')).action(
      runs<WriteOptions>(deps, async (context, [id], options) => {
        const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.ssfTransmitterAction(id ?? '', action.verb, justification));
        showWrite(context, result, (body) => {
          const changed = transmitterOf(body);
          return `${action.done}: ${id ?? ''}.\n${isJsonObject(changed) && 'id' in changed ? describeRecord(changed, ['id', 'status', 'verifiedAt']) : ''}`;
        });
      }),
    );
    withExamples(command, [`revmesh ssf transmitters ${action.verb} keycloak -j "${action.verb} the Keycloak stream, CHG-41"`]);
  }

  const statuses = [
    { verb: 'pause', status: 'paused', description: 'ask the transmitter to hold the stream\'s SETs (delivered after resume)', done: 'Paused' },
    { verb: 'resume', status: 'enabled', description: 'ask the transmitter to deliver the stream\'s SETs again', done: 'Resumed' },
  ] as const;
  for (const change of statuses) {
    const command = withWriteOptions(
      transmitters.command(change.verb).description(change.description).argument('<id>', 'the transmitter id').option('--reason <text>', 'why, told to the transmitter'),
    ).action(
      runs<WriteOptions & { readonly reason?: string }>(deps, async (context, [id], options) => {
        const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.setSsfStreamStatus(id ?? '', change.status, options.reason, justification));
        showWrite(context, result, (body) => {
          const changed = transmitterOf(body);
          return `${change.done}: ${id ?? ''}.\n${isJsonObject(changed) ? describeRecord(changed, ['id', 'status']) : ''}`;
        });
      }),
    );
    withExamples(command, [`revmesh ssf transmitters ${change.verb} keycloak -j "Keycloak maintenance window, CHG-42"`]);
  }
}
