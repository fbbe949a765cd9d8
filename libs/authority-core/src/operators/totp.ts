import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 parameters: 30-second steps, 6 digits, SHA-1 (what authenticator apps support). */
export const TOTP_PERIOD_SECONDS = 30;
/** Codes of the previous and next step are accepted too (clock drift between phone and server). */
export const TOTP_TOLERANCE_STEPS = 1;

/** The step a code belongs to, when it is valid and newer than `afterStep`. */
export type TotpCheck = { readonly valid: true; readonly step: number } | { readonly valid: false };

/** Envelope context (AAD) of an operator's sealed TOTP secret: a sealed secret moved to another row does not open. */
export function operatorTotpSealContext(operatorId: string): string {
  return `operator-totp:${operatorId}`;
}

/** A new base32 secret (160 bits). */
export function newTotpSecret(): string {
  return generateSecret();
}

/** The `otpauth://` URI of a secret, for authenticator apps. */
export function totpUri(issuer: string, username: string, secret: string): string {
  return generateURI({ issuer, label: username, secret, period: TOTP_PERIOD_SECONDS, digits: 6 });
}

/**
 * Checks a 6-digit code at `nowMs`, ±{@link TOTP_TOLERANCE_STEPS} step. A code whose step is
 * not after `afterStep` (the last one accepted) is refused: a code is good once.
 */
export async function checkTotp(secret: string, code: string, nowMs: number, afterStep: number | null): Promise<TotpCheck> {
  if (!/^\d{6}$/.test(code)) return { valid: false };
  try {
    const result = await verify({
      secret,
      token: code,
      period: TOTP_PERIOD_SECONDS,
      digits: 6,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: TOTP_TOLERANCE_STEPS * TOTP_PERIOD_SECONDS,
      ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
    });
    // The result type spans HOTP too; a TOTP result always carries its time step.
    return result.valid && 'timeStep' in result ? { valid: true, step: result.timeStep } : { valid: false };
  } catch {
    return { valid: false };
  }
}
