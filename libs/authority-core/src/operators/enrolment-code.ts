import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every enrolment code: recognisable in a chat message or a secret scanner. */
export const ENROLMENT_CODE_PREFIX = 'rme_';

/** Form of an enrolment code: the prefix and 32 base64url characters (192 random bits). */
export const ENROLMENT_CODE_PATTERN = /^rme_[A-Za-z0-9_-]{32}$/;

/** A new enrolment code (192 random bits): guessing one is hopeless, so a plain SHA-256 is enough at rest. */
export function newEnrolmentCode(): string {
  return `${ENROLMENT_CODE_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** What the store keeps of a code: its SHA-256, hex. */
export function enrolmentCodeHash(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** Envelope context (AAD) of the TOTP secret offered by one enrolment, until it is confirmed. */
export function enrolmentTotpSealContext(enrolmentId: string): string {
  return `operator-enrolment-totp:${enrolmentId}`;
}
