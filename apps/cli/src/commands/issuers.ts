import type { Command } from 'commander';
import { isJsonObject, listIn } from '../http/api-types';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

const ISSUER_COLUMNS: readonly Column[] = [
  { header: 'issuer', keys: ['issuer'] },
  { header: 'enabled', keys: ['enabled'] },
  { header: 'description', keys: ['description'] },
  { header: 'created at', keys: ['createdAt'] },
  { header: 'created by', keys: ['createdBy'] },
];

interface AddOptions extends WriteOptions {
  readonly description?: string;
}

/** `revmesh issuers list|add|disable|enable`: the trusted external issuers (OpenID providers) a revocation may target with `--iss`. */
export function registerIssuers(program: Command, deps: ProgramDeps): void {
  const issuers = program
    .command('issuers')
    .description("trusted external issuers (Keycloak, Auth0, Okta, Entra...) whose tokens 'revmesh revoke --iss' may target");
  withExamples(issuers, ['revmesh issuers list', 'revmesh issuers add https://sso.example.com/realms/acme --description "company Keycloak" -j "SSO tokens reach our APIs, CHG-31"']);

  const list = issuers
    .command('list')
    .description('list the trusted issuers, enabled or not')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().listIssuers();
        const items = listIn(body, ['issuers'], url);
        context.output.result(body, () => (items.length === 0 ? 'No trusted issuers.\n' : renderRecords(items, ISSUER_COLUMNS)));
      }),
    );
  withExamples(list, ['revmesh issuers list', "revmesh issuers list --json | jq -r '.issuers[].issuer'"]);

  const add = withWriteOptions(
    issuers
      .command('add')
      .description("register a trusted issuer by the exact iss of its tokens; its sidecars must list it in their 'issuers' option to verify its tokens")
      .argument('<issuer>', 'the exact iss, e.g. https://sso.example.com/realms/acme')
      .option('--description <text>', 'what it is, for the people reading the list'),
  ).action(
    runs<AddOptions>(deps, async (context, [issuer], options) => {
      const input = { issuer: issuer ?? '', ...(options.description === undefined ? {} : { description: options.description }) };
      const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.addIssuer(input, justification));
      showWrite(context, result, (body) => {
        const added = isJsonObject(body) && isJsonObject(body['issuer']) ? body['issuer'] : body;
        const name = isJsonObject(added) && typeof added['issuer'] === 'string' ? added['issuer'] : input.issuer;
        return (
          `Registered trusted issuer ${name}.\n` +
          (isJsonObject(added) ? describeRecord(added, ['issuer', 'enabled', 'description']) : '') +
          `Revoke its tokens with: revmesh revoke sub <value> --iss ${name} --reason … -j …\n`
        );
      });
    }),
  );
  withExamples(add, ['revmesh issuers add https://sso.example.com/realms/acme --description "company Keycloak" -j "SSO tokens reach our APIs, CHG-31"']);

  for (const enabled of [false, true]) {
    const verb = enabled ? 'enable' : 'disable';
    const command = withWriteOptions(
      issuers
        .command(verb)
        .description(
          enabled
            ? 'allow new revocations to name the issuer again'
            : 'refuse new revocations naming the issuer (its earlier revocations stay in force)',
        )
        .argument('<issuer>', 'the exact iss, as registered'),
    ).action(
      runs<WriteOptions>(deps, async (context, [issuer], options) => {
        const result = await performWrite(context, { ...options, wait: false }, (api, justification) => api.setIssuerEnabled(issuer ?? '', enabled, justification));
        showWrite(context, result, (body) => {
          const changed = isJsonObject(body) && isJsonObject(body['issuer']) ? body['issuer'] : body;
          return `${enabled ? 'Enabled' : 'Disabled'}.\n${isJsonObject(changed) ? describeRecord(changed, ['issuer', 'enabled']) : ''}`;
        });
      }),
    );
    withExamples(command, [`revmesh issuers ${verb} https://sso.example.com/realms/acme -j "${enabled ? 'provider back under our control, CHG-33' : 'provider decommissioned, CHG-32'}"`]);
  }
}
