import { AuthorityError } from '../../errors/errors';

/** A transmitter with this id is registered already. */
export class TransmitterExistsError extends AuthorityError {
  override readonly name = 'TransmitterExistsError';
  readonly code = 'SSF_TRANSMITTER_EXISTS' as const;
  constructor(readonly transmitterId: string) {
    super(`an SSF transmitter named ${JSON.stringify(transmitterId)} is registered already; remove it first or pick another id`);
  }
}

/** No transmitter with this id is registered. */
export class TransmitterNotFoundError extends AuthorityError {
  override readonly name = 'TransmitterNotFoundError';
  readonly code = 'SSF_TRANSMITTER_NOT_FOUND' as const;
  constructor(readonly transmitterId: string) {
    super(`no SSF transmitter named ${JSON.stringify(transmitterId)}`);
  }
}

/**
 * The transmitter (or its OpenID provider) did not do what revmesh asked: discovery, the receiver's
 * client-credentials token, or a stream management call failed or answered something unusable.
 * `step` names the call; `status` the HTTP status when there was an answer. Nothing was stored.
 */
export class TransmitterRequestError extends AuthorityError {
  override readonly name = 'TransmitterRequestError';
  readonly code = 'SSF_TRANSMITTER_FAILED' as const;
  constructor(
    readonly step: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${step}: ${message}`, options);
  }
}
