import { InvalidArgumentError, type Command } from 'commander';
import { isJsonObject, listIn } from '../http/api-types';
import { describeRecord, renderRecords, type Column } from '../output/record-view';
import { performWrite, showWrite, withWriteOptions, type WriteOptions } from '../write/write-kit';
import { runs, withExamples, type ProgramDeps } from './command-kit';

const SWITCH_COLUMNS: readonly Column[] = [
  { header: 'scope', keys: ['scope.audience', 'audience', 'scope.kind', 'scope'] },
  { header: 'lockdown', keys: ['lockdown'] },
  { header: 'rejects iat <=', keys: ['issuedAtOrBefore'] },
  { header: 'engaged at', keys: ['engagedAt'] },
  { header: 'engaged by', keys: ['engagedBy'] },
  { header: 'lifted at', keys: ['liftedAt'] },
  { header: 'lifted by', keys: ['liftedBy'] },
];

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** `--issued-at-or-before <iso>`: an ISO 8601 time with a zone, sent normalised to UTC. */
export function parseIsoTime(value: string): string {
  const ms = Date.parse(value);
  if (!ISO_8601.test(value.trim()) || !Number.isFinite(ms)) throw new InvalidArgumentError('expected an ISO 8601 time with a zone, e.g. 2026-11-27T01:00:00Z');
  return new Date(ms).toISOString();
}

/** `--audience <aud>`: non-blank. */
function parseAudience(value: string): string {
  const audience = value.trim();
  if (audience === '') throw new InvalidArgumentError('must not be blank (leave --audience out for every audience)');
  return audience;
}

interface OnOptions extends WriteOptions {
  readonly audience?: string;
  readonly lockdown?: boolean;
  readonly issuedAtOrBefore?: string;
  readonly incident?: string;
}

interface OffOptions extends WriteOptions {
  readonly audience?: string;
  readonly incident?: string;
}

function renderSwitch(body: unknown): string {
  const state = isJsonObject(body) && isJsonObject(body['switch']) ? body['switch'] : body;
  if (!isJsonObject(state)) return `${JSON.stringify(body)}\n`;
  return describeRecord(state, ['scope', 'lockdown', 'issuedAtOrBefore', 'engagedAt', 'engagedBy', 'liftedAt', 'liftedBy'], {
    issuedAtOrBefore: 'rejects iat <=',
  });
}

/** `revmesh kill-switch on|off|status`: reject every token issued until a time, optionally lock a scope down. */
export function registerKillSwitch(program: Command, deps: ProgramDeps): void {
  const killSwitch = program
    .command('kill-switch')
    .description('emergency: reject every token issued until a time, mesh-wide or per audience; optional lockdown');
  withExamples(killSwitch, ['revmesh kill-switch status', 'revmesh kill-switch on --audience orders --lockdown -j "orders API breach, INC-77" --wait']);

  const on = withWriteOptions(
    killSwitch
      .command('on')
      .description('engage: tokens issued at or before the cut (default now) are rejected; --lockdown makes sidecars reject everything (LOCKDOWN)')
      .option('--audience <aud>', 'only this audience (default: every audience)', parseAudience)
      .option('--lockdown', 'sidecars of the scope reject every request with LOCKDOWN until the switch is lifted')
      .option('--issued-at-or-before <iso>', 'the cut, ISO 8601 (default: now)', parseIsoTime)
      .option('--incident <id>', "link the engagement to this open incident (see 'revmesh incident list')"),
    { wait: true },
  ).action(
    runs<OnOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) =>
        api.engageKillSwitch(
          {
            ...(options.audience === undefined ? {} : { audience: options.audience }),
            lockdown: options.lockdown === true,
            ...(options.issuedAtOrBefore === undefined ? {} : { issuedAtOrBefore: options.issuedAtOrBefore }),
            ...(options.incident === undefined ? {} : { incident: options.incident }),
          },
          justification,
        ),
      );
      showWrite(context, result, (body) => `Kill switch engaged.\n${renderSwitch(body)}`);
    }),
  );
  withExamples(on, [
    'revmesh kill-switch on -j "signing key exfiltrated, INC-90"                       # every audience, tokens issued until now',
    'revmesh kill-switch on --audience orders --lockdown -j "orders breach, INC-77" --wait',
    'revmesh kill-switch on --audience billing --issued-at-or-before 2026-11-27T01:00:00Z -j "tokens minted during the incident"',
  ]);

  const off = withWriteOptions(
    killSwitch
      .command('off')
      .description('lift: end the lockdown of the scope (tokens issued before the cut stay rejected)')
      .option('--audience <aud>', 'the audience whose switch to lift (default: the mesh-wide one)', parseAudience)
      .option('--incident <id>', "link the lift to this open incident (see 'revmesh incident list')"),
    { wait: true },
  ).action(
    runs<OffOptions>(deps, async (context, _args, options) => {
      const result = await performWrite(context, options, (api, justification) => api.liftKillSwitch(options.audience, justification, options.incident));
      showWrite(context, result, (body) => `Kill switch lifted.\n${renderSwitch(body)}`);
    }),
  );
  withExamples(off, ['revmesh kill-switch off --audience orders -j "breach contained, INC-77 closed" --wait', 'revmesh kill-switch off --audience orders --incident 3c9a… -j "breach contained"']);

  const status = killSwitch
    .command('status')
    .description('every scope whose switch was ever engaged, with its cut and lockdown')
    .action(
      runs(deps, async (context) => {
        const { body, url } = await context.api().killSwitchStatus();
        const items = listIn(body, ['switches'], url);
        context.output.result(body, () => (items.length === 0 ? 'No kill switch was ever engaged.\n' : renderRecords(items, SWITCH_COLUMNS)));
      }),
    );
  withExamples(status, ['revmesh kill-switch status', 'revmesh kill-switch status --json']);
}
