import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditCheckpointSignature } from '@revmesh/contracts';
import { DEFAULT_POLICY, type PolicyDocument } from '../policy/policy-document';
import { openStore, type AuthorityStore } from '../store/store';
import { systemAuditContext } from './audit-context';
import { createAuditRetention } from './audit-retention';
import { createAuditLog } from './audit-store';

const DAY = 24 * 3600_000;

describe('audit retention job', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-audit-retention-'));
    now = Date.UTC(2031, 0, 1);
    store = openStore({ dataDir: dir, clock: { now: () => now } });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the retention from the policy at every run and signs the checkpoint with the current signer', async () => {
    const clock = { now: () => now };
    const log = createAuditLog({ store, clock });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    let policy: PolicyDocument = { ...DEFAULT_POLICY, audit: { retentionDays: 30 } };
    const retention = createAuditRetention({ store, log, signer: { current: { kid: 'signer-a', privateKey } }, policy: { current: () => policy }, clock });
    const write = (action: string) => log.append({ action, outcome: 'succeeded', target: null, context: systemAuditContext('test') });
    // Only what was shipped to the audit topic may be purged (the shipper's part, done by hand here).
    const ship = () => store.transaction(() => log.unshipped(100).forEach((e) => log.markShipped(e.seq, now)));

    write('day-0');
    now += 10 * DAY;
    write('day-10');
    now += 15 * DAY; // day 25: nothing is 30 days old
    await expect(retention.runOnce()).resolves.toBeNull();

    policy = { ...DEFAULT_POLICY, audit: { retentionDays: 20 } }; // tightened: day-0 is now past it
    await expect(retention.runOnce()).resolves.toBeNull(); // not shipped yet
    ship();
    const first = await retention.runOnce();
    expect(first).toMatchObject({ purged: 1, checkpoint: { upToSeq: 1, count: 1 } });
    expect(log.list(0, 10).map((e) => e.action)).toEqual(['day-10', 'audit.purge']);
    await expect(verifyAuditCheckpointSignature(first!.checkpoint, { publicKeyFor: (kid) => (kid === 'signer-a' ? publicKey : undefined) })).resolves.toEqual({
      ok: true,
      signerKid: 'signer-a',
    });

    now += 30 * DAY; // everything so far is past 20 days, the purge entry included
    ship();
    const second = await retention.runOnce();
    expect(second).toMatchObject({ purged: 2, checkpoint: { upToSeq: 3, count: 2 } });
    expect(log.latestCheckpoint()).toEqual(second!.checkpoint);
    expect(log.list(0, 10).map((e) => [e.seq, e.action])).toEqual([[4, 'audit.purge']]);
    expect(log.verify()).toMatchObject({ ok: true, firstSeq: 4, lastSeq: 4 });
  });

  it('postpones the purge while an export is being read, so the export stays one chain', async () => {
    const clock = { now: () => now };
    const log = createAuditLog({ store, clock });
    const { privateKey } = generateKeyPairSync('ed25519');
    const retention = createAuditRetention({ store, log, signer: { current: { kid: 'k', privateKey } }, policy: { current: () => DEFAULT_POLICY }, clock });
    log.append({ action: 'old', outcome: 'succeeded', target: null, context: systemAuditContext('test') });
    now += 401 * DAY;
    store.transaction(() => log.markShipped(1, now));
    const exporting = log.exportLines();
    expect(exporting.next().value).toMatchObject({ type: 'entry', action: 'old' });
    await expect(retention.runOnce()).resolves.toBeNull();
    exporting.return(undefined);
    await expect(retention.runOnce()).resolves.toMatchObject({ purged: 1 });
  });
});
