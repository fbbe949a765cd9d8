import Database from 'better-sqlite3';
import { request } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_TEST_JUSTIFICATION } from '@revmesh/test-support';
import type { Sidecar } from '@revmesh/sidecar';
import { startAuthority, type AuthorityHandle } from './support/authority-process';
import { startSidecars } from './support/sidecars';
import { eventually, uniquePrefix } from './support/wait';

const KILLED = 10_000;
const ACCEPTED = 2_000;
/** After the batch's body is sent: far shorter than signing 10,000 events takes. */
const KILL_AFTER_MS = 100;

const targets = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ target: 'jti', value: `${tag}-${i}` }));

/**
 * Sends a batch and calls `sent` once its whole body is on the wire; resolves to the HTTP status,
 * or to the failure when the authority dies before answering.
 */
function sendBatch(authority: AuthorityHandle, body: unknown, sent: () => void): Promise<number | string> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = request(
      `${authority.url}/v1/revocations:batch`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${authority.admin.token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (error) => resolve(`failed: ${error.message}`));
    req.end(payload, sent);
  });
}

/** Revocation ids stored for values `<tag>-…` (read from the dead authority's database). */
function storedIds(authority: AuthorityHandle, tag: string): string[] {
  const db = new Database(join(authority.dataDir, 'authority.db'), { fileMustExist: true });
  try {
    return db.prepare("SELECT id FROM revocations WHERE target_value LIKE ? || '-%'").pluck().all(tag) as string[];
  } finally {
    db.close();
  }
}

/**
 * What the dead authority's database holds of an answered batch: its revocations' outbox events
 * (what the relay will publish) and its audit entries, by the batch id the 202 named.
 */
function storedBatch(authority: AuthorityHandle, batchId: string, ids: readonly string[]): { events: number; auditParts: number; auditedRevocations: number } {
  const db = new Database(join(authority.dataDir, 'authority.db'), { fileMustExist: true });
  try {
    const inIds = `(SELECT value FROM json_each(?))`;
    // A big batch's audit record is split in parts (1..n, each listing its share of the revocations).
    const parts = (db.prepare("SELECT details FROM audit_log WHERE action = 'revocations.create-batch' AND target = ?").pluck().all(batchId) as string[]).map(
      (details) => JSON.parse(details) as { parts: number; revocations: unknown[] },
    );
    return {
      events: db.prepare(`SELECT COUNT(*) FROM outbox WHERE revocation_id IN ${inIds}`).pluck().get(JSON.stringify(ids)) as number,
      auditParts: parts.every((part) => part.parts === parts.length) ? parts.length : -1,
      auditedRevocations: parts.reduce((sum, part) => sum + part.revocations.length, 0),
    };
  } finally {
    db.close();
  }
}

/**
 * "A batch is all-or-nothing", under `kill -9`: one batch is killed while the authority works on
 * it (no answer), another right after its 202 (before the relay can have published it all).
 * After a restart each is either stored whole and enforced by a sidecar, or not stored at all,
 * and a 202 always means stored whole.
 */
describe('revocation batches across an authority kill -9', () => {
  let authority: AuthorityHandle | undefined;
  let sidecar: Sidecar | undefined;
  afterAll(async () => {
    await sidecar?.close();
    await authority?.process.stop();
  });

  it('stores and enforces each batch whole or not at all, and everything it answered 202 for', async () => {
    const brokers = process.env['KAFKA_BROKERS']!;
    authority = await startAuthority({ brokers, topicPrefix: uniquePrefix('batch-crash') });

    // Accepted, then killed at once: 2,000 events cannot all be published yet.
    const accepted = await authority.admin.request('POST', '/v1/revocations:batch', { targets: targets('accepted', ACCEPTED), reason: 'e2e batch crash' });
    expect(accepted.status).toBe(202);
    const answeredIds = (accepted.body['revocations'] as { id: string }[]).map((r) => r.id);
    expect(await authority.process.stop('SIGKILL')).toBeNull();
    // The 202 came after the group's log flush: the batch is in the file whole, with every event
    // the relay has still to publish and its audit entry.
    const answeredBatch = storedBatch(authority, accepted.body['batch_id'] as string, answeredIds);
    expect(answeredBatch).toMatchObject({ events: ACCEPTED, auditedRevocations: ACCEPTED });
    expect(answeredBatch.auditParts).toBeGreaterThan(0);

    authority = await startAuthority({ brokers, topicPrefix: authority.env['REVMESH_TOPIC_PREFIX']!, previous: authority });
    // Killed mid-batch: its whole body was sent, the authority is working on it when it dies.
    let bodySent!: () => void;
    const sent = new Promise<void>((resolve) => (bodySent = resolve));
    const inFlight = sendBatch(authority, { targets: targets('killed', KILLED), reason: 'e2e batch crash', justification: DEFAULT_TEST_JUSTIFICATION }, bodySent);
    await sent;
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS));
    expect(await authority.process.stop('SIGKILL')).toBeNull();
    const answer = await inFlight;

    const acceptedIds = storedIds(authority, 'accepted');
    const killedIds = storedIds(authority, 'killed');
    process.stderr.write(`batch-crash: the killed batch was answered ${answer}, ${killedIds.length} of ${KILLED} stored\n`);
    expect(new Set(acceptedIds)).toEqual(new Set(answeredIds));
    expect([0, KILLED]).toContain(killedIds.length);
    if (answer === 202) expect(killedIds.length).toBe(KILLED);

    authority = await startAuthority({ brokers, topicPrefix: authority.env['REVMESH_TOPIC_PREFIX']!, previous: authority });
    [sidecar] = await startSidecars(authority, 1, { instanceId: 'batch-crash' });
    const enforced = [...acceptedIds, ...killedIds];
    await eventually(`${enforced.length} revocations applied by the sidecar`, () => enforced.every((id) => sidecar!.appliedRevocation(id) !== undefined), 90_000);
    // One rule per stored revocation, and none for a batch that was not stored.
    expect(sidecar!.stats().denyListSize).toBe(enforced.length);
  });
});
