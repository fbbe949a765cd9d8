import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditContext } from '../audit/audit-context';
import type { AuditEntryInput, AuditLog, AuditRecord } from '../audit/audit-log';
import { PolicyInvalidError } from '../errors/errors';
import { openStore, type AuthorityStore } from '../store/store';
import { openCoreFixture } from '../testing/core-fixture.spec-helper';
import { DEFAULT_POLICY } from './policy-document';
import { loadPolicyFile } from './policy-file';
import { createPolicyStore, type PolicyStore, type PolicyStoreOptions } from './policy-store';
import type { PolicyLimits } from './policy-validation';

const LIMITS: PolicyLimits = { accessTokenTtlSeconds: 600, prepublishLeadMs: 60_000, promotionGateTimeoutMs: 5_000 };

/** An audit log that keeps entries in memory, or fails on demand (to prove the shared transaction). */
class FakeAudit implements AuditLog {
  readonly entries: AuditEntryInput[] = [];
  failing = false;
  append(entry: AuditEntryInput): AuditRecord {
    if (this.failing) throw new Error('audit log unavailable');
    this.entries.push(entry);
    return { ...entry, seq: this.entries.length, at: 0, prevHash: '', hash: '' };
  }
}

const alice: AuditContext = {
  actor: { kind: 'operator', id: 'alice' },
  role: 'security-admin',
  justification: 'shorter approval window after the Q3 review',
  requestId: 'req-1',
  sourceAddress: '10.0.0.1',
};

describe('policy store (versions, file, API updates, changelog)', () => {
  let dir: string;
  let store: AuthorityStore;
  let now: number;
  let audit: FakeAudit;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revmesh-policy-store-'));
    now = Date.UTC(2030, 0, 1);
    store = openStore({ dataDir: join(dir, 'data'), clock: { now: () => now } });
    audit = new FakeAudit();
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writePolicy = (text: string, name = 'policy.yaml'): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const open = (options: Partial<PolicyStoreOptions> & { filePath?: string } = {}): PolicyStore => {
    const { filePath, ...rest } = options;
    return createPolicyStore({
      store,
      clock: { now: () => now },
      limits: LIMITS,
      audit,
      ...(filePath === undefined ? {} : { file: loadPolicyFile(filePath, LIMITS) }),
      ...rest,
    });
  };
  const versionCount = (): number => store.db.prepare('SELECT COUNT(*) FROM policy_versions').pluck().get() as number;

  it('starts a new database at version 1 with the defaults, once', () => {
    const policy = open();
    expect(policy.current()).toEqual(DEFAULT_POLICY);
    expect(policy.currentVersion()).toMatchObject({ version: 1, source: 'default', actor: { kind: 'system', id: 'authority' }, fileSha256: null, createdAt: now });
    open();
    expect(versionCount()).toBe(1);
    expect(policy.changelog()).toEqual([expect.objectContaining({ version: 1, source: 'default', changes: [] })]);
  });

  it('applies a policy file once: the same file at every restart is one version, a changed file a new one', () => {
    const path = writePolicy('approvals:\n  windowSeconds: 1800\n');
    const first = open({ filePath: path });
    expect(first.currentVersion()).toMatchObject({ version: 1, source: 'file', actor: { kind: 'system', id: 'policy-file' } });
    expect(first.current().approvals.windowSeconds).toBe(1800);

    now += 1000;
    expect(open({ filePath: path }).currentVersion().version).toBe(1);
    expect(versionCount()).toBe(1);

    writePolicy('approvals:\n  windowSeconds: 900\n');
    now += 1000;
    const changed = open({ filePath: path });
    expect(changed.currentVersion()).toMatchObject({ version: 2, source: 'file', createdAt: now });
    expect(changed.current().approvals.windowSeconds).toBe(900);
    expect(changed.changelog()[0]!.changes).toEqual([{ field: 'approvals.windowSeconds', old: 1800, new: 900 }]);
    expect(audit.entries.map((e) => [e.action, e.target, e.context.actor])).toEqual([
      ['policy.update', 'policy:v1', { kind: 'system', id: 'policy-file' }],
      ['policy.update', 'policy:v2', { kind: 'system', id: 'policy-file' }],
    ]);
  });

  it('stores an API update as a new version with its actor and justification, audited in the same transaction', () => {
    const policy = open();
    now += 5000;
    const updated = policy.update({ approvals: { windowSeconds: 600 }, owners: { keys: ['alice'] } }, alice);
    expect(updated).toMatchObject({ version: 2, source: 'api', actor: alice.actor, justification: alice.justification, createdAt: now, fileSha256: null });
    expect(policy.current().approvals.windowSeconds).toBe(600);
    expect(policy.currentVersion()).toBe(updated);
    expect(audit.entries.at(-1)).toEqual({
      action: 'policy.update',
      outcome: 'succeeded',
      target: 'policy:v2',
      context: alice,
      details: { version: 2, source: 'api', changedFields: ['approvals.windowSeconds', 'owners.keys'] },
    });

    // The audit entry cannot be written: the version is not stored either.
    audit.failing = true;
    expect(() => policy.update({ approvals: { windowSeconds: 700 } }, alice)).toThrow('audit log unavailable');
    expect(versionCount()).toBe(2);
  });

  it('refuses an invalid API update naming each field, and stores nothing', () => {
    const policy = open();
    let error: unknown;
    try {
      policy.update({ approvals: { windowSeconds: 10 }, tokens: { audiences: { api: { lifetimeSeconds: 601 } } } }, alice);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PolicyInvalidError);
    expect((error as PolicyInvalidError).errors.map((e) => e.field)).toEqual(['approvals.windowSeconds']);
    expect(() => policy.update({ tokens: { audiences: { api: { lifetimeSeconds: 601 } } } }, alice)).toThrow(
      /^policy: tokens\.audiences\.api\.lifetimeSeconds: must be at most the access-token TTL/,
    );
    expect(versionCount()).toBe(1);
    expect(policy.current()).toEqual(DEFAULT_POLICY);
  });

  it('keeps an API change in force across restarts with the same file', () => {
    const path = writePolicy('justification:\n  minLength: 20\n');
    open({ filePath: path }).update({ justification: { minLength: 30 } }, alice);
    const reopened = open({ filePath: path });
    expect(reopened.current().justification.minLength).toBe(30);
    expect(reopened.currentVersion()).toMatchObject({ version: 2, source: 'api' });
  });

  it('lists versions newest first with their changes (version 1 against the defaults), limited', () => {
    const path = writePolicy('tokens:\n  audiences:\n    api: { lifetimeSeconds: 60 }\n');
    const policy = open({ filePath: path });
    policy.update({ tokens: { audiences: { api: { lifetimeSeconds: 120 }, web: { lifetimeSeconds: 30 } } } }, alice);
    policy.update({ rotation: { periodSeconds: 86_400 }, approvals: { requiredFor: ['keys.compromise'] } }, alice);
    const log = policy.changelog();
    expect(log.map((v) => [v.version, v.source])).toEqual([
      [3, 'api'],
      [2, 'api'],
      [1, 'file'],
    ]);
    expect(log[2]!.changes).toEqual([{ field: 'tokens.audiences.api', old: null, new: { lifetimeSeconds: 60 } }]);
    expect(log[1]!.changes).toEqual([
      { field: 'tokens.audiences.api.lifetimeSeconds', old: 60, new: 120 },
      { field: 'tokens.audiences.web', old: null, new: { lifetimeSeconds: 30 } },
    ]);
    expect(log[0]!.changes).toEqual([
      { field: 'approvals.requiredFor', old: DEFAULT_POLICY.approvals.requiredFor, new: ['keys.compromise'] },
      { field: 'rotation.periodSeconds', old: null, new: 86_400 },
      // A PUT replaces the whole policy: what it leaves out goes back to its default.
      { field: 'tokens.audiences.api', old: { lifetimeSeconds: 120 }, new: null },
      { field: 'tokens.audiences.web', old: { lifetimeSeconds: 30 }, new: null },
    ]);
    // A limit still compares the oldest listed version with the one before it.
    expect(policy.changelog(1)).toEqual([log[0]]);
    expect(policy.changelog(2)[1]!.changes).toEqual(log[1]!.changes);
  });

  it('a stored default policy follows the defaults of a newer release (new approvable actions gate at once); a chosen one does not', () => {
    open();
    // The default policy as an older release stored it: without the operators.* actions.
    const older = { ...DEFAULT_POLICY, approvals: { ...DEFAULT_POLICY.approvals, requiredFor: ['kill-switch.engage', 'kill-switch.lift', 'keys.compromise', 'revocations.client_id', 'policy.update'] } };
    store.db.prepare('UPDATE policy_versions SET document = ? WHERE version = 1').run(JSON.stringify(older));
    const upgraded = open();
    expect(upgraded.currentVersion()).toMatchObject({ version: 2, source: 'default' });
    expect(upgraded.current().approvals.requiredFor).toContain('operators.add-security-admin');
    expect(upgraded.changelog()[0]?.changes.map((c) => c.field)).toEqual(['approvals.requiredFor']);
    open();
    expect(versionCount()).toBe(2);
    // Someone's explicit choice stays in force: it is theirs, not a default.
    upgraded.update({ approvals: { requiredFor: ['keys.compromise'] } }, alice);
    expect(open().current().approvals.requiredFor).toEqual(['keys.compromise']);
    expect(versionCount()).toBe(3);
  });

  it('refuses to open when the stored policy no longer fits the authority settings', () => {
    open().update({ tokens: { audiences: { api: { lifetimeSeconds: 600 } } } }, alice);
    expect(() => open({ limits: { ...LIMITS, accessTokenTtlSeconds: 300 } })).toThrow(
      /^policy version 2 \(api\): tokens\.audiences\.api\.lifetimeSeconds: must be at most the access-token TTL \(REVMESH_ACCESS_TOKEN_TTL_SECONDS = 300 s\)/,
    );
  });
});

describe('openAuthorityCore with a policy file', () => {
  it('refuses to open with an invalid file, naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-policy-core-'));
    try {
      const path = join(dir, 'policy.yaml');
      writeFileSync(path, 'approvals:\n  windowSeconds: 59\n');
      await expect(openCoreFixture({ policyFile: path })).rejects.toThrow('policy.yaml: approvals.windowSeconds: must be at least 60');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies a valid file as core.securityPolicy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revmesh-policy-core-'));
    const path = join(dir, 'policy.json');
    writeFileSync(path, JSON.stringify({ justification: { minLength: 42 } }));
    const f = await openCoreFixture({ policyFile: path });
    try {
      expect(f.core.securityPolicy.current().justification.minLength).toBe(42);
      expect(f.core.securityPolicy.currentVersion()).toMatchObject({ version: 1, source: 'file' });
      f.core.securityPolicy.update({ justification: { minLength: 12 } }, alice);
      const entries = f.core.audit.list(0, 1000).filter((e) => e.action === 'policy.update');
      expect(entries.map((e) => [e.target, e.actor, e.justification])).toEqual([
        ['policy:v1', { kind: 'system', id: 'policy-file' }, expect.stringContaining('policy file policy.json changed')],
        ['policy:v2', alice.actor, alice.justification],
      ]);
    } finally {
      f.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
