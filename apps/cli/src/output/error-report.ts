import { CliError } from '../errors';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { clean } from './text';

/** What the error handler prints for one failure. */
export interface ErrorReport {
  readonly exitCode: ExitCode;
  /** stderr lines: `revmesh: <title>: <detail> (code X)`, then field errors, then a hint. */
  readonly lines: readonly string[];
  /** The `--json` document for stdout. */
  readonly document: { readonly error: Readonly<Record<string, unknown>> };
}

/**
 * Turns a thrown value into what the user sees. `CliError`s are expected and explained; anything
 * else is a bug in the CLI, reported as such with its message (and never with request headers,
 * so never with a credential).
 */
export function reportError(error: unknown): ErrorReport {
  if (error instanceof CliError) {
    const status = error.httpStatus;
    const lines = [
      `revmesh: ${clean(error.title)}: ${clean(error.detail)} (code ${clean(error.shownCode)})`,
      ...error.fieldErrors.map((e) => `  ${clean(e.field)}: ${clean(e.message)}`),
      ...(error.hint === undefined ? [] : [`hint: ${error.hint}`]),
    ];
    return {
      exitCode: error.exitCode,
      lines,
      document: {
        error: {
          code: error.shownCode,
          title: error.title,
          detail: error.detail,
          exit_code: error.exitCode,
          ...(status === undefined ? {} : { status }),
          ...(error.requestId === undefined ? {} : { request_id: error.requestId }),
          ...(error.fieldErrors.length === 0 ? {} : { errors: error.fieldErrors }),
        },
      },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    exitCode: EXIT_CODES.ERROR,
    lines: [`revmesh: internal error: ${clean(message)} (code INTERNAL)`, 'hint: this is a bug in revmesh; please report it with the command you ran'],
    document: { error: { code: 'INTERNAL', title: 'internal error', detail: message, exit_code: EXIT_CODES.ERROR } },
  };
}
