import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { verifyAuditExport, type AuditChainVerification, type AuditCheckpoint, type EventSignerTrust } from '@revmesh/contracts';
import { checkCheckpointSignature, EVENT_SIGNERS_PATH, readSignerFile, signerTrustOf } from '../audit/checkpoint-signers';
import { PRIVATE_FILE_MODE, writeFileAtomic } from '../config/private-files';
import type { CommandContext } from '../context';
import { AuditChainBrokenError, UsageError } from '../errors';
import { clean, formatValue } from '../output/text';
import { runs, withExamples, type ProgramDeps } from './command-kit';

interface ExportOptions {
  readonly out?: string;
}

interface VerifyOptions {
  readonly file?: string;
  readonly signers?: string;
}

/** How many `"type":"entry"` lines an export holds (cheaply: verification is `audit verify`'s job). */
function countEntries(ndjson: string): number {
  return ndjson.split('\n').filter((line) => /"type"\s*:\s*"entry"/.test(line)).length;
}

/** The export's text: from `--file`, else fetched from the authority. */
async function exportText(context: CommandContext, file: string | undefined): Promise<{ text: string; source: string }> {
  if (file === undefined) {
    const { text, url } = await context.api().auditExport();
    return { text, source: url };
  }
  try {
    return { text: readFileSync(file, 'utf8'), source: file };
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The event signers a checkpoint is checked against: `--signers`, else the authority's (online only), else none. */
async function signerTrust(context: CommandContext, options: VerifyOptions): Promise<(EventSignerTrust & { readonly source: string }) | undefined> {
  if (options.signers !== undefined) return { ...readSignerFile(options.signers), source: options.signers };
  if (options.file !== undefined) return undefined;
  const { body, url } = await context.client().request('GET', EVENT_SIGNERS_PATH);
  return { ...signerTrustOf(body, url), source: url };
}

/** What is known of a checkpoint's signer. */
type SignatureStatus = { readonly status: 'verified'; readonly kid: string } | { readonly status: 'not-checked' };

/**
 * Checks the retention checkpoint's signature against the event signers (see {@link signerTrust}).
 * Prints the failure document and throws when it is not signed by one of them.
 *
 * @throws {AuditChainBrokenError} when the signature does not verify or its signer is not trusted.
 */
async function checkpointSignature(context: CommandContext, options: VerifyOptions, checkpoint: AuditCheckpoint, source: string): Promise<SignatureStatus> {
  const trust = await signerTrust(context, options);
  if (trust === undefined) return { status: 'not-checked' };
  const check = await checkCheckpointSignature(checkpoint, trust);
  if (check.kind === 'verified') return { status: 'verified', kid: check.kid };
  const signer = check.kind === 'unknown-signer' && check.kid !== null ? `"${clean(check.kid)}"` : 'an unnamed key';
  const why =
    check.kind === 'invalid'
      ? `its signature does not verify: ${clean(check.detail)}`
      : `it is signed by ${signer}, which is not among the event signers of ${clean(trust.source)} (a signer withdrawn since? pass its key with --signers)`;
  context.output.result({ ok: false, source, seq: checkpoint.upToSeq, line: 1, problem: 'checkpoint-signature', detail: why }, () => '');
  throw new AuditChainBrokenError(`the retention checkpoint (line 1) of ${clean(source)}: checkpoint-signature: ${why}`);
}

function describeIntact(result: Extract<AuditChainVerification, { ok: true }>, source: string, signature: SignatureStatus | null): string {
  const range = result.firstSeq === null ? 'no entries' : `${result.entries.length} entries, seq ${result.firstSeq}..${result.lastSeq}`;
  const signer =
    signature?.status === 'verified' ? `signed by event signer ${clean(signature.kid)} (verified)` : 'its signer is not checked without --signers <jwks.json>';
  const checkpoint =
    result.checkpoint === null
      ? ''
      : `\ncontinues from a retention checkpoint: entries up to ${result.checkpoint.upToSeq} purged at ${formatValue('at', result.checkpoint.at)}; ${signer}`;
  return `Audit chain intact: ${range} (${clean(source)}).${checkpoint}\n`;
}

/** `revmesh audit export|verify`: the tamper-evident audit log. */
export function registerAudit(program: Command, deps: ProgramDeps): void {
  const audit = program.command('audit').description('the tamper-evident audit log: export it as JSON lines, verify its hash chain');
  withExamples(audit, ['revmesh audit export --out audit.jsonl', 'revmesh audit verify --file audit.jsonl']);

  const exportCommand = audit
    .command('export')
    .description('download the audit log as JSON lines (a checkpoint line, then one entry per line); the export is itself audited')
    .option('-o, --out <file>', 'write it to this file (mode 0600) instead of stdout')
    .action(
      runs<ExportOptions>(deps, async (context, _args, options) => {
        if (options.out === undefined && context.output.json) {
          throw new UsageError('the export is JSON lines already: with --json, name a file with --out <file>');
        }
        const { text, url } = await context.api().auditExport();
        if (options.out === undefined) {
          context.io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
          return;
        }
        const out = options.out;
        try {
          writeFileAtomic(out, text.endsWith('\n') || text === '' ? text : `${text}\n`, PRIVATE_FILE_MODE, { privateDir: false });
        } catch (error) {
          throw new UsageError(`cannot write ${out}: ${(error as Error).message}`, { cause: error });
        }
        const entries = countEntries(text);
        context.output.result({ file: out, entries, bytes: Buffer.byteLength(text), source: url }, () =>
          `Wrote ${entries} audit entries to ${out} (mode 0600).\n`,
        );
      }),
    );
  withExamples(exportCommand, ['revmesh audit export --out audit-$(date +%F).jsonl', 'revmesh audit export | jq -c \'select(.action=="revocations.create")\'']);

  const verify = audit
    .command('verify')
    .description('check the hash chain offline and name the first entry that was edited, deleted or reordered (exit 10)')
    .option('-f, --file <export.jsonl>', 'an export written by audit export (default: fetch the export from the authority now)')
    .option(
      '--signers <jwks.json>',
      `event signers (JWK Set) to check a retention checkpoint's signature against (default without --file: the authority's ${EVENT_SIGNERS_PATH})`,
    )
    .action(
      runs<VerifyOptions>(deps, async (context, _args, options) => {
        const { text, source } = await exportText(context, options.file);
        const result = verifyAuditExport(text);
        if (result.ok) {
          const signature = result.checkpoint === null ? null : await checkpointSignature(context, options, result.checkpoint, source);
          context.output.result(
            {
              ok: true,
              source,
              entries: result.entries.length,
              firstSeq: result.firstSeq,
              lastSeq: result.lastSeq,
              checkpoint: result.checkpoint,
              checkpointSignature: signature,
            },
            () => describeIntact(result, source, signature),
          );
          return;
        }
        const where = `${result.seq === null ? 'an unreadable entry' : `entry ${result.seq}`}${result.line === null ? '' : ` (line ${result.line})`}`;
        context.output.result({ ok: false, source, seq: result.seq, line: result.line, problem: result.problem, detail: result.detail }, () => '');
        throw new AuditChainBrokenError(`${where} of ${clean(source)}: ${result.problem}: ${clean(result.detail)}`);
      }),
    );
  withExamples(verify, ['revmesh audit verify                       # fetches the export and checks it', 'revmesh audit verify --file audit.jsonl --json']);
}
