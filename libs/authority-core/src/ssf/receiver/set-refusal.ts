/**
 * Why a received SET is refused: the error codes of RFC 8935 §2.4 (push) and RFC 8936 §2.4.4
 * (`setErrs` of a poll). Stable: transmitters and the `revmesh.authority.ssf.sets` metric see them.
 */
export const SET_REFUSAL_CODES = ['invalid_request', 'invalid_key', 'invalid_issuer', 'invalid_audience', 'authentication_failed'] as const;
export type SetRefusalCode = (typeof SET_REFUSAL_CODES)[number];

/**
 * A SET refused before anything happened. `description` is safe to send back and to log: it
 * names the check that failed, never the SET's content.
 */
export class SetRefusedError extends Error {
  override readonly name = 'SetRefusedError';
  constructor(
    readonly code: SetRefusalCode,
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${description}`, options);
  }
}
