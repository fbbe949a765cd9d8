import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_BATCH_RECORDED, AUDIT_RECORDED, openSignedEvent, verifyAuditChain, auditEntryLine, type AuditEntry } from '@revmesh/contracts';
import { createKafkaTransport, parseBrokerList, type EventTransport, type TopicReader } from '@revmesh/transport';
import { openAuthorityCore, type AuthorityCore } from '../authority-core';
import type { OutboxRelay } from '../outbox/outbox-relay';
import { trustIn } from '../testing/core-fixture.spec-helper';

/**
 * Through the real broker: a revocation made through the core, with the relay running, arrives
 * on the audit topic signed (`audit.recorded`, or within an `audit.batch-recorded`), verifying with the event
 * signer's public key, and the entries read back from the topic form a valid chain.
 */
describe('audit entries on the audit topic (real broker)', () => {
  let dir: string;
  let core: AuthorityCore;
  let transport: EventTransport;
  let relay: OutboxRelay;
  let reader: TopicReader | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-audit-int-'));
    core = await openAuthorityCore({
      dataDir: dir,
      kek: randomBytes(32),
      issuer: 'https://authority.test',
      accessTokenTtlSeconds: 300,
      topicPrefix: `it.audit.${randomUUID().slice(0, 8)}.`,
    });
    transport = createKafkaTransport({ brokers: parseBrokerList(process.env['KAFKA_BROKERS']!) });
    relay = core.createRelay({ transport, publisher: transport.createPublisher(), pollIntervalMs: 50 });
    relay.start();
  });

  afterAll(async () => {
    await reader?.stop();
    await relay?.stop();
    await transport?.close();
    core?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a revocation\'s audit entry signed on the audit topic, verifiable with the event signer key', async () => {
    const context = {
      actor: { kind: 'operator' as const, id: 'alice' },
      role: 'responder' as const,
      justification: 'INC-7: session hijack reported by the user',
      requestId: 'int-req-1',
      sourceAddress: '192.0.2.10',
    };
    const revocation = await core.revocations.revoke({ target: { type: 'sid', value: 'session-9' }, reason: 'hijack', actor: context.actor, context });
    const trust = trustIn(core.eventSigners.trusted());
    const seen: AuditEntry[] = [];
    let rejected = 0;
    reader = transport.createReader({ topic: core.topics.audit.topic, readerId: `audit-int-${randomUUID()}` });
    const arrived = new Promise<AuditEntry>((resolve) => {
      void reader!.start(async (record) => {
        const opened = await openSignedEvent(record.value, trust);
        // One entry as audit.recorded, entries shipped together as one audit.batch-recorded.
        const entries = !opened.ok
          ? undefined
          : opened.event.type === AUDIT_RECORDED
            ? [opened.event.payload]
            : opened.event.type === AUDIT_BATCH_RECORDED
              ? opened.event.payload.entries
              : undefined;
        if (entries === undefined) {
          rejected += 1;
          return;
        }
        expect(record.key).toBe(`audit:${entries[entries.length - 1]!.seq}`);
        seen.push(...entries);
        const revoked = entries.find((e) => e.action === 'revocations.create');
        if (revoked !== undefined) resolve(revoked);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const entry = await Promise.race([
      arrived,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no audit.recorded within 30 s')), 30_000))),
    ]).finally(() => clearTimeout(timer));
    expect(entry).toMatchObject({ target: revocation.id, actor: context.actor, role: 'responder', justification: context.justification, requestId: 'int-req-1' });
    expect(rejected).toBe(0);
    // What the SIEM received is the chain as stored: it verifies on its own, from the first entry.
    expect(verifyAuditChain(seen.map(auditEntryLine))).toMatchObject({ ok: true, firstSeq: 1, lastSeq: entry.seq });
    expect(seen).toEqual(core.audit.list(0, 1000).filter((e) => e.seq <= entry.seq));
  });
});
