import { signEvent, signEventBatch, type EventSigningKey, type RevmeshEvent } from '@revmesh/contracts';
import { ZodError } from 'zod';
import { EventInvalidError, SigningError } from '../errors/errors';

/**
 * Signs an event for the outbox (contracts' `signEvent`: validate, serialise, compact JWS).
 * Runs before the outbox transaction, because jose signs asynchronously and a better-sqlite3
 * transaction cannot span an await; the outbox then stores these exact bytes.
 *
 * @throws {EventInvalidError} when the event breaks its contract (a bug, never input).
 * @throws {SigningError} when signing itself fails.
 */
export async function signForOutbox(event: RevmeshEvent, signer: EventSigningKey): Promise<Buffer> {
  try {
    return await signEvent(event, signer);
  } catch (error) {
    throw outboxSigningError(event, error);
  }
}

/**
 * Signs events published together as one batch (contracts' `signEventBatch`: one signature over a
 * Merkle root, each record with its inclusion proof; a single event is signed alone). Same errors
 * as {@link signForOutbox}, naming the first event's type.
 */
export async function signBatchForOutbox(events: readonly RevmeshEvent[], signer: EventSigningKey): Promise<Buffer[]> {
  try {
    return await signEventBatch(events, signer);
  } catch (error) {
    throw outboxSigningError(events[0]!, error);
  }
}

function outboxSigningError(event: RevmeshEvent, error: unknown): Error {
  // By name as well: contracts may resolve its own copy of zod.
  if (error instanceof ZodError || (error as { name?: unknown }).name === 'ZodError') {
    return new EventInvalidError(`the ${event.type} event does not match its contract: ${String(error)}`, { cause: error });
  }
  return new SigningError(`cannot sign the ${event.type} event: ${String(error)}`, { cause: error });
}
