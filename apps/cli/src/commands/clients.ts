import type { Command } from 'commander';
import { isJsonObject } from '../http/api-types';
import { clean } from '../output/text';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

interface AddOptions extends WriteOptions {
  readonly audience: readonly string[];
  readonly scope?: readonly string[];
}

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: readonly string[] | undefined): readonly string[] => [...(previous ?? []), value];

/** `{client_id, client_secret, audiences, scopes}`: the one time the authority shows the secret, so that comes first. */
function renderRegistered(body: unknown, authority: string): string {
  const client = isJsonObject(body) ? body : {};
  const text = (value: unknown) => (typeof value === 'string' ? clean(value) : '-');
  const list = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value.map(text).join(' ') : '-');
  const id = text(client['client_id']);
  return (
    `Registered client ${id} on ${authority}.\n` +
    'Store its secret now (e.g. in the service\'s secret store): it is shown only once and cannot be shown again.\n' +
    `client_id      ${id}\n` +
    `client_secret  ${text(client['client_secret'])}\n` +
    `audiences      ${list(client['audiences'])}\n` +
    `scopes         ${list(client['scopes'])}\n` +
    `Tokens: POST ${authority}/oauth/token with grant_type=client_credentials and these credentials (HTTP Basic).\n`
  );
}

/** `revmesh clients add`: the confidential clients that obtain access tokens from the authority. */
export function registerClients(program: Command, deps: ProgramDeps): void {
  const clients = program.command('clients').description('OAuth clients of the token endpoint: register one for a service');
  withExamples(clients, ['revmesh clients add orders-web --audience orders-api -j "orders web app calls the orders API, CHG-12"']);

  const add = withWriteOptions(
    clients
      .command('add')
      .description("register a confidential client (client_credentials); prints its client secret once. A service protected by the sidecar accepts tokens whose aud is its audience")
      .argument('[client-id]', 'the client_id (default: the authority picks one)')
      .requiredOption('--audience <aud>', 'an audience its tokens carry, i.e. the audience the receiving service checks; repeat for several', collect)
      .option('--scope <scope>', 'a scope it may request; repeat for several (default: none)', collect),
  ).action(
    runs<AddOptions>(deps, async (context, [clientId], options) => {
      const authority = context.authority().display;
      const input = { ...(clientId === undefined ? {} : { client_id: clientId }), audiences: options.audience, scopes: options.scope ?? [] };
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.registerClient(input, justification));
      showWrite(context, result, (body) => renderRegistered(body, authority));
    }),
  );
  withExamples(add, [
    'revmesh clients add orders-web --audience orders-api -j "orders web app calls the orders API, CHG-12"',
    'revmesh clients add --audience orders-api --audience billing-api --scope orders:read -j "…" --json > client.json',
  ]);
}
