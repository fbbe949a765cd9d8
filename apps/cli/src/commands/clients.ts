import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../errors';
import { isJsonObject, listIn, type JsonObject } from '../http/api-types';
import type { RegisterClientInput } from '../http/authority-api';
import { readPublicKeys } from '../io/key-file';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { clean } from '../output/text';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { parseReason, runs, withExamples, type ProgramDeps } from './command-kit';

interface AddOptions extends WriteOptions {
  readonly audience: readonly string[];
  readonly scope?: readonly string[];
  readonly jwks?: string;
  readonly jwksUri?: string;
  readonly encryptionKey?: string;
}

interface ListOptions {
  readonly enabled?: boolean;
  readonly disabled?: boolean;
  readonly authMethod?: string;
  readonly after?: string;
  readonly limit?: number;
}

interface RotateOptions extends WriteOptions {
  readonly overlap?: number;
}

interface DisableOptions extends WriteOptions {
  readonly reason?: string;
  readonly incident?: string;
}

const CLIENT_COLUMNS: readonly Column[] = [
  { header: 'client_id', keys: ['client_id'] },
  { header: 'enabled', keys: ['enabled'] },
  { header: 'auth method', keys: ['token_endpoint_auth_method'] },
  { header: 'audiences', keys: ['audiences'] },
  { header: 'scopes', keys: ['scopes'] },
  { header: 'created at', keys: ['created_at'] },
];
const CLIENT_ORDER = ['client_id', 'enabled', 'token_endpoint_auth_method', 'audiences', 'scopes', 'jwks_uri', 'created_at', 'updated_at'];
const AUTH_METHODS = ['client_secret_basic', 'private_key_jwt'] as const;

/** A repeatable option's values, in the order given. */
const collect = (value: string, previous: readonly string[] | undefined): readonly string[] => [...(previous ?? []), value];

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `--overlap 3600`, `90m`, `12h`, `7d`: a whole number of seconds, 0 allowed (the old secret ends at once). */
export function parseOverlap(value: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError('expected a duration such as 3600, 90m, 12h or 7d (0 ends the old secret at once)');
  return Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 500) throw new InvalidArgumentError('expected a whole number in 1..500');
  return n;
}

function parseAuthMethod(value: string): string {
  if (!(AUTH_METHODS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${AUTH_METHODS.join(', ')}`);
  return value;
}

const text = (value: unknown): string => (typeof value === 'string' ? clean(value) : '-');

/** How the new secret left the authority: shown (store it now) or sealed to the client's key. */
function renderSecret(body: JsonObject, authority: string): string {
  if (typeof body['client_secret'] === 'string') {
    return (
      "Store its secret now (e.g. in the service's secret store): it is shown only once and cannot be shown again.\n" +
      `client_secret  ${text(body['client_secret'])}\n` +
      `Tokens: POST ${authority}/oauth/token with grant_type=client_credentials and these credentials (HTTP Basic).\n`
    );
  }
  if (typeof body['client_secret_jwe'] === 'string') {
    return (
      'Its secret is sealed to the encryption key the client registered (JWE): only the holder of the private key can read it.\n' +
      `client_secret_jwe  ${text(body['client_secret_jwe'])}\n` +
      'Decrypt it where the private key lives, e.g. with jose: (await compactDecrypt(jwe, privateKey)).plaintext\n'
    );
  }
  return (
    'It has no secret (private_key_jwt): it authenticates with an assertion signed by one of its keys\n' +
    `(client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer; iss = sub = its client_id, aud = ${authority}/oauth/token, exp, jti).\n`
  );
}

/** `revmesh clients add|list|show|rotate-secret|disable|enable`: the confidential clients that obtain access tokens from the authority. */
export function registerClients(program: Command, deps: ProgramDeps): void {
  const clients = program.command('clients').description('OAuth clients of the token endpoint: register, list, rotate secrets, disable');
  withExamples(clients, [
    'revmesh clients add orders-web --audience orders-api -j "orders web app calls the orders API, CHG-12"',
    'revmesh clients list --disabled',
    'revmesh clients rotate-secret orders-web --overlap 1h -j "yearly rotation, CHG-40"',
  ]);

  const add = withWriteOptions(
    clients
      .command('add')
      .description(
        'register a confidential client (client_credentials); prints its client secret once, or seals it to --encryption-key, or gives none with --jwks/--jwks-uri (private_key_jwt). A service protected by the sidecar accepts tokens whose aud is its audience',
      )
      .argument('[client-id]', 'the client_id (default: the authority picks one)')
      .requiredOption('--audience <aud>', 'an audience its tokens carry, i.e. the audience the receiving service checks; repeat for several', collect)
      .option('--scope <scope>', 'a scope it may request; repeat for several (default: none)', collect)
      .option('--jwks <file>', "private_key_jwt: the client's public signing keys (a JWK Set, one JWK, or a PEM public key); no secret is issued")
      .option('--jwks-uri <url>', 'private_key_jwt: where the client publishes its signing keys (https); no secret is issued')
      .option('--encryption-key <file>', 'seal its secret (JWE) to this public key (JWK or PEM; RSA, EC P-256/384/521 or X25519) instead of printing it'),
  ).action(
    runs<AddOptions>(deps, async (context, [clientId], options) => {
      if (options.jwks !== undefined && options.jwksUri !== undefined) throw new UsageError('give --jwks or --jwks-uri, not both');
      if (options.encryptionKey !== undefined && (options.jwks !== undefined || options.jwksUri !== undefined)) {
        throw new UsageError('--encryption-key seals a secret, and a private_key_jwt client (--jwks/--jwks-uri) has none: leave one out');
      }
      const authority = context.authority().display;
      const input: RegisterClientInput = {
        ...(clientId === undefined ? {} : { client_id: clientId }),
        audiences: options.audience,
        scopes: options.scope ?? [],
        ...(options.jwks === undefined ? {} : { jwks: readPublicKeys(options.jwks, '--jwks', true) }),
        ...(options.jwksUri === undefined ? {} : { jwks_uri: options.jwksUri }),
        ...(options.encryptionKey === undefined ? {} : { encryption_jwk: readPublicKeys(options.encryptionKey, '--encryption-key', false) }),
      };
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.registerClient(input, justification));
      showWrite(context, result, (body) => {
        const client = isJsonObject(body) ? body : {};
        const list = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value.map(text).join(' ') : '-');
        const id = text(client['client_id']);
        return (
          `Registered client ${id} on ${authority}.\n` +
          `client_id      ${id}\n` +
          `audiences      ${list(client['audiences'])}\n` +
          `scopes         ${list(client['scopes'])}\n` +
          renderSecret(client, authority)
        );
      });
    }),
  );
  withExamples(add, [
    'revmesh clients add orders-web --audience orders-api -j "orders web app calls the orders API, CHG-12"',
    'revmesh clients add --audience orders-api --audience billing-api --scope orders:read -j "…" --json > client.json',
    'revmesh clients add billing-batch --audience billing-api --jwks billing-batch.jwks.json -j "no shared secret, CHG-14"',
    'revmesh clients add reports --audience reports-api --encryption-key reports-enc.pub.pem -j "secret sealed to the team key, CHG-15"',
  ]);

  const list = clients
    .command('list')
    .description('list the clients by client_id (never their secrets)')
    .option('--enabled', 'only enabled clients')
    .option('--disabled', 'only disabled clients')
    .option('--auth-method <method>', `only clients that authenticate so (${AUTH_METHODS.join(', ')})`, parseAuthMethod)
    .option('--after <client-id>', 'the page after this client_id (the previous page\'s next_after)')
    .option('--limit <n>', 'at most this many (1..500, default 50)', parseLimit)
    .action(
      runs<ListOptions>(deps, async (context, _args, options) => {
        if (options.enabled === true && options.disabled === true) throw new UsageError('give --enabled or --disabled, not both');
        const { body, url } = await context.api().listClients({
          ...(options.enabled === true ? { enabled: true } : options.disabled === true ? { enabled: false } : {}),
          ...(options.authMethod === undefined ? {} : { authMethod: options.authMethod }),
          ...(options.after === undefined ? {} : { after: options.after }),
          ...(options.limit === undefined ? {} : { limit: options.limit }),
        });
        const items = listIn(body, ['clients'], url);
        const next = isJsonObject(body) && typeof body['next_after'] === 'string' ? body['next_after'] : null;
        context.output.result(body, () =>
          items.length === 0 ? 'No clients.\n' : renderRecords(items, CLIENT_COLUMNS) + (next === null ? '' : `More: revmesh clients list --after ${clean(next)}\n`),
        );
      }),
    );
  withExamples(list, ['revmesh clients list', 'revmesh clients list --disabled', "revmesh clients list --auth-method private_key_jwt --json | jq -r '.clients[].client_id'"]);

  const show = clients
    .command('show')
    .description('one client: audiences, scopes, how it authenticates, whether it is enabled, and when its valid secrets were issued and expire')
    .argument('<client-id>', 'the client_id')
    .action(
      runs(deps, async (context, [clientId]) => {
        const { body } = await context.api().getClient(clientId ?? '');
        const client = isJsonObject(body) && isJsonObject(body['client']) ? body['client'] : body;
        context.output.result(body, () => (isJsonObject(client) ? describeRecord(client, CLIENT_ORDER) : ''));
      }),
    );
  withExamples(show, ['revmesh clients show orders-web', 'revmesh clients show orders-web --json | jq .client.secrets']);

  const rotate = withWriteOptions(
    clients
      .command('rotate-secret')
      .description(
        "issue a new secret (printed once, or sealed to the client's encryption key); the current one keeps working for the overlap, then only the new one does",
      )
      .argument('<client-id>', 'the client_id')
      .option('--overlap <duration>', "how long the old secret stays valid: seconds, or 90m, 12h, 7d (default: the policy's clients.secretOverlapSeconds; 0 ends it at once)", parseOverlap),
  ).action(
    runs<RotateOptions>(deps, async (context, [clientId], options) => {
      const authority = context.authority().display;
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.rotateClientSecret(clientId ?? '', options.overlap, justification));
      showWrite(context, result, (body) => {
        const rotated = isJsonObject(body) ? body : {};
        return (
          `New secret for client ${text(rotated['client_id'])}; the previous one works until ${text(rotated['previous_secret_expires_at'])}.\n` +
          renderSecret(rotated, authority)
        );
      });
    }),
  );
  withExamples(rotate, ['revmesh clients rotate-secret orders-web --overlap 1h -j "yearly rotation, CHG-40"', 'revmesh clients rotate-secret orders-web --overlap 0 -j "secret leaked, INC-77"']);

  const disable = withWriteOptions(
    clients
      .command('disable')
      .description(
        "stop a client: it gets no new token, and every sidecar refuses the tokens it holds (a client_id revocation). Usually needs a second security-admin's approval (policy clients.disable)",
      )
      .argument('<client-id>', 'the client_id')
      .option('--reason <text>', 'why, sent with the revocation to every sidecar (default: the justification)', parseReason)
      .option('--incident <id>', "link the disabling (and its approval) to this open incident (see 'revmesh incident list')"),
    { wait: true },
  ).action(
    runs<DisableOptions>(deps, async (context, [clientId], options) => {
      const result = await performWrite(context, options, (api, justification) => api.disableClient(clientId ?? '', options.reason, justification, options.incident));
      showWrite(context, result, (body) => {
        const done = isJsonObject(body) ? body : {};
        const revocation = isJsonObject(done['revocation']) ? done['revocation'] : {};
        const id = text(revocation['id']);
        return `Disabled client ${text(clientId)}; its tokens are revoked by client_id (revocation ${id}).\nEnforcement progress: revmesh revocation status ${id}\n`;
      });
    }),
  );
  withExamples(disable, [
    'revmesh clients disable orders-web --reason "secret leaked" -j "INC-77: orders-web secret in a public repo" --wait',
    'revmesh clients disable orders-web --incident 3c9a… -j "orders-web secret leaked"',
  ]);

  const enable = withWriteOptions(
    clients.command('enable').description('let a disabled client get tokens again (tokens revoked while it was disabled stay revoked)').argument('<client-id>', 'the client_id'),
  ).action(
    runs<WriteOptions>(deps, async (context, [clientId], options) => {
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.enableClient(clientId ?? '', justification));
      showWrite(context, result, (body) => {
        const client = isJsonObject(body) && isJsonObject(body['client']) ? body['client'] : body;
        return `Enabled.\n${isJsonObject(client) ? describeRecord(client, ['client_id', 'enabled']) : ''}`;
      });
    }),
  );
  withExamples(enable, ['revmesh clients enable orders-web -j "INC-77 closed, new secret deployed"']);

  const dpop = withWriteOptions(
    clients
      .command('dpop')
      .description('require (or stop requiring) a DPoP proof with every token request of a client (RFC 9449 dpop_bound_access_tokens): its tokens are then all bound to its key')
      .argument('<client-id>', 'the client_id')
      .option('--require', 'refuse its token requests without a DPoP proof')
      .option('--no-require', 'accept its token requests without a proof again (Bearer tokens)'),
  ).action(
    runs<WriteOptions & { readonly require?: boolean }>(deps, async (context, [clientId], options) => {
      if (options.require === undefined) throw new UsageError('say --require or --no-require');
      const required = options.require;
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.setClientDpop(clientId ?? '', required, justification));
      showWrite(context, result, () => `Client ${text(clientId)} ${required ? 'must now send a DPoP proof with every token request' : 'may get Bearer tokens again'}.\n`);
    }),
  );
  withExamples(dpop, ['revmesh clients dpop orders-web --require -j "CHG-51: orders-web holds a DPoP key"']);
}
