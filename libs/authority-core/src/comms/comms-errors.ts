import { AuthorityError } from '../errors/errors';

/** No webhook of the policy's `comms.webhooks` takes this audience's messages: nothing was written. */
export class CommsNoWebhookError extends AuthorityError {
  override readonly name = 'CommsNoWebhookError';
  readonly code = 'COMMS_NO_WEBHOOK' as const;
  constructor(readonly audience: string) {
    super(`no webhook in the policy's comms.webhooks takes messages for ${audience}: add one (README "Incident communications")`);
  }
}

/** A webhook for the audience cannot be used (its URL or secret variable is unset or malformed): nothing was written. */
export class CommsWebhookUnusableError extends AuthorityError {
  override readonly name = 'CommsWebhookUnusableError';
  readonly code = 'COMMS_WEBHOOK_UNUSABLE' as const;
  constructor(readonly problems: readonly string[]) {
    super(`cannot deliver: ${problems.join('; ')}`);
  }
}

/**
 * The message is no longer the text that was previewed or approved: the incident or the policy's
 * template changed since. Nothing was sent; preview it again (and, for customers, have it
 * approved again).
 */
export class CommsTextChangedError extends AuthorityError {
  override readonly name = 'CommsTextChangedError';
  readonly code = 'COMMS_TEXT_CHANGED' as const;
  constructor(
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`the message changed since it was previewed or approved (sha256 ${expectedSha256.slice(0, 12)}… is now ${actualSha256.slice(0, 12)}…): preview it again`);
  }
}

/** A message to customers was approved by the operator who asked for it (a drill's self-approval): it is never sent so. */
export class CommsSecondOperatorRequiredError extends AuthorityError {
  override readonly name = 'CommsSecondOperatorRequiredError';
  readonly code = 'COMMS_SECOND_OPERATOR_REQUIRED' as const;
  constructor() {
    super('a message to customers must be approved by a second operator, not by the one who asked for it (drills included)');
  }
}
