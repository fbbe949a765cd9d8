import { randomUUID } from 'node:crypto';
import { AUDIT_GENESIS_HASH, sealAuditEntry, type AuditEntry } from '../audit/audit-entry';
import { AUDIT_BATCH_RECORDED, MAX_AUDIT_BATCH_ENTRIES, type AuditBatchRecordedEvent } from './audit-recorded';
import { decodeEvent, encodeEvent } from './codec';

function entries(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const entry = sealAuditEntry({
      seq,
      at: 1_700_000_000_000 + seq,
      action: 'revocations.create',
      outcome: 'succeeded',
      actor: { kind: 'operator', id: 'alice' },
      role: 'responder',
      target: `r-${seq}`,
      justification: 'INC-1',
      requestId: null,
      sourceAddress: null,
      details: { seq },
      prevHash: prev,
    });
    out.push(entry);
    prev = entry.hash;
  }
  return out;
}

const batch = (list: AuditEntry[]): AuditBatchRecordedEvent => ({
  id: randomUUID(),
  type: AUDIT_BATCH_RECORDED,
  version: 1,
  issued_at: 1_700_000_000_000,
  actor: { kind: 'system', id: 'audit-shipper' },
  payload: { entries: list },
});

describe('audit.batch-recorded', () => {
  it('round-trips consecutive entries exactly as stored', () => {
    const event = batch(entries(3));
    expect(decodeEvent(encodeEvent(event))).toEqual({ ok: true, event });
  });

  it('refuses entries out of seq order, an empty batch and more than the maximum', () => {
    const [a, b] = entries(2);
    expect(() => encodeEvent(batch([b!, a!]))).toThrow(/increasing seq order/);
    expect(() => encodeEvent(batch([]))).toThrow();
    expect(() => encodeEvent(batch(entries(MAX_AUDIT_BATCH_ENTRIES + 1)))).toThrow();
  });
});
