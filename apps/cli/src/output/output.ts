import type { ExitCode } from '../exit-codes';
import type { OutputStream } from '../io/cli-io';
import { jsonDocument } from './json';

/**
 * What one run has written, shared between the command and the error handler: with `--json`
 * stdout carries exactly one document, either the result or the error, never both.
 */
export interface RunState {
  json: boolean;
  documentWritten: boolean;
  /** Set by a command that ends normally but not with 0 (an action left pending approval). */
  exitCode?: ExitCode;
}

/**
 * Where commands put results: human text, or (with `--json`) the API body as one JSON document.
 * Notes, warnings and progress always go to stderr, so stdout stays parseable.
 */
export class Output {
  constructor(
    private readonly stdout: OutputStream,
    private readonly stderr: OutputStream,
    private readonly state: RunState,
  ) {}

  get json(): boolean {
    return this.state.json;
  }

  /** Writes the result: `body` as JSON with `--json`, else the text `human()` builds. */
  result(body: unknown, human: () => string): void {
    if (this.state.json) {
      if (this.state.documentWritten) throw new Error('a --json run must write exactly one document');
      this.state.documentWritten = true;
      this.stdout.write(jsonDocument(body));
    } else {
      this.stdout.write(human());
    }
  }

  /** Ends the run with `code` although nothing failed (e.g. 8: pending approval). */
  exitWith(code: ExitCode): void {
    this.state.exitCode = code;
  }

  /** A line for the person at the terminal (stderr), e.g. "logged out". */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** A warning (stderr) that does not stop the command. */
  warn(text: string): void {
    this.stderr.write(`revmesh: warning: ${text}\n`);
  }
}
