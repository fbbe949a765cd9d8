import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Default lifetime of a server nonce, seconds: each is accepted for one to two periods. */
export const DEFAULT_DPOP_NONCE_PERIOD_SECONDS = 300;

/**
 * Server-provided DPoP nonces (RFC 9449 §8/§9), stateless: a nonce is the period number and an
 * HMAC of it, so any instance sharing `secret` accepts another's nonces, and nothing is stored.
 * A nonce stays valid during its period and the next one.
 */
export interface DpopNonces {
  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(): string;
  /** True for a nonce of this period or the previous one, made with this secret. */
  accepts(nonce: string): boolean;
}

export interface DpopNoncesOptions {
  /** HMAC key, at least 16 bytes. Share it between instances behind one load balancer. Default: random per process. */
  readonly secret?: Uint8Array;
  /** Default {@link DEFAULT_DPOP_NONCE_PERIOD_SECONDS}. */
  readonly periodSeconds?: number;
  /** Current time, epoch ms. */
  readonly now: () => number;
}

const MAC_BYTES = 16;

export function createDpopNonces(options: DpopNoncesOptions): DpopNonces {
  const secret = options.secret ?? randomBytes(32);
  if (secret.length < 16) throw new TypeError('DPoP nonces: the secret must be at least 16 bytes');
  const period = options.periodSeconds ?? DEFAULT_DPOP_NONCE_PERIOD_SECONDS;
  if (!Number.isInteger(period) || period < 1) throw new TypeError('DPoP nonces: periodSeconds must be a positive integer');
  const periodOf = (): number => Math.floor(options.now() / 1000 / period);
  const mac = (n: number): Buffer => createHmac('sha256', secret).update(`dpop-nonce:${n}`).digest().subarray(0, MAC_BYTES);
  const make = (n: number): string => Buffer.concat([Buffer.from(n.toString(16).padStart(12, '0'), 'hex'), mac(n)]).toString('base64url');

  return {
    current: () => make(periodOf()),
    accepts(nonce) {
      if (nonce.length > 64) return false;
      const bytes = Buffer.from(nonce, 'base64url');
      if (bytes.length !== 6 + MAC_BYTES || bytes.toString('base64url') !== nonce) return false;
      const n = Number.parseInt(bytes.subarray(0, 6).toString('hex'), 16);
      const now = periodOf();
      if (n !== now && n !== now - 1) return false;
      return timingSafeEqual(bytes.subarray(6), mac(n));
    },
  };
}
