import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIT_GENESIS_HASH, sealAuditEntry, signAuditCheckpoint, type AuditEntry } from '@revmesh/contracts';
import { loggedInFixture, type LoggedInFixture } from '../testing/run-cli.spec-helper';

/** A valid chain of `n` entries, as the export's lines. */
function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const entry = sealAuditEntry({
      seq,
      at: Date.UTC(2026, 10, 27, 1, 0, seq),
      action: seq % 2 === 0 ? 'revocations.create' : 'operators.login',
      outcome: 'succeeded',
      actor: { kind: 'operator', id: 'alice' },
      role: 'security-admin',
      target: `t-${seq}`,
      justification: seq % 2 === 0 ? 'INC-1: leaked token' : null,
      requestId: `req-${seq}`,
      sourceAddress: '127.0.0.1',
      details: {},
      prevHash,
    });
    entries.push(entry);
    prevHash = entry.hash;
  }
  return entries;
}

const ndjson = (lines: readonly object[]) => lines.map((line) => `${JSON.stringify({ type: 'entry', ...line })}\n`).join('');

describe('revmesh audit', () => {
  let f: LoggedInFixture;
  const entries = chain(4);
  beforeEach(async () => {
    f = await loggedInFixture();
    f.authority.on('GET', '/v1/audit/export', { status: 200, body: ndjson(entries), contentType: 'application/x-ndjson' });
  });
  afterEach(() => f.close());

  it('export: the JSON lines on stdout, untouched', async () => {
    const run = await f.run(['audit', 'export']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(ndjson(entries));
    expect(f.authority.requests[0]!.headers.accept).toContain('application/x-ndjson');
  });

  it('export --out: a 0600 file, and a summary', async () => {
    const out = join(f.configDir, 'export.jsonl');
    const run = await f.run(['audit', 'export', '--out', out]);
    const json = await f.run(['--json', 'audit', 'export', '--out', out]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Wrote 4 audit entries to ${out} (mode 0600).\n`);
    expect(readFileSync(out, 'utf8')).toBe(ndjson(entries));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(json.stdout)).toMatchObject({ file: out, entries: 4 });
  });

  it('export --json without --out is a usage error', async () => {
    const run = await f.run(['--json', 'audit', 'export']);
    expect(run.code).toBe(2);
    expect(f.authority.requests).toHaveLength(0);
  });

  it('verify --file: an untouched export verifies (exit 0)', async () => {
    const file = join(f.configDir, 'export.jsonl');
    writeFileSync(file, ndjson(entries));
    const run = await f.run(['audit', 'verify', '--file', file]);
    const json = await f.run(['--json', 'audit', 'verify', '--file', file]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Audit chain intact: 4 entries, seq 1..4 (${file}).\n`);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, entries: 4, firstSeq: 1, lastSeq: 4, checkpoint: null });
    expect(f.authority.requests).toHaveLength(0);
  });

  it.each([
    ['edited', (e: AuditEntry[]) => e.map((x) => (x.seq === 2 ? { ...x, justification: 'nothing to see' } : x)), 2, 'edited'],
    ['deleted', (e: AuditEntry[]) => e.filter((x) => x.seq !== 3), 3, 'deleted'],
    ['reordered', (e: AuditEntry[]) => [e[0]!, e[2]!, e[1]!, e[3]!], 3, 'reordered'],
  ])('verify --file: one %s row fails with exit 10, naming it', async (_name, tamper, seq, problemName) => {
    const file = join(f.configDir, 'export.jsonl');
    writeFileSync(file, ndjson(tamper(entries)));
    const run = await f.run(['audit', 'verify', '--file', file]);
    const json = await f.run(['--json', 'audit', 'verify', '--file', file]);

    expect(run.code).toBe(10);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^revmesh: audit chain broken: entry ${seq} \\(line \\d+\\) of .*: ${problemName}: .* \\(code AUDIT_CHAIN_BROKEN\\)$`, 'm'));
    expect(json.code).toBe(10);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, seq, problem: problemName });
  });

  it('verify without --file fetches the export from the authority', async () => {
    const run = await f.run(['audit', 'verify']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Audit chain intact: 4 entries, seq 1\.\.4 \(http:\/\/127\.0\.0\.1:\d+\/v1\/audit\/export\)\.$/m);
    expect(f.authority.requests.map((r) => r.path)).toEqual(['/v1/audit/export']);
  });

  it('verify --file of a missing file is a usage error', async () => {
    const run = await f.run(['audit', 'verify', '--file', join(f.configDir, 'nope.jsonl')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read');
  });

  describe('after a retention purge (a signed checkpoint first)', () => {
    const signer = generateKeyPairSync('ed25519');
    const stranger = generateKeyPairSync('ed25519');
    const jwks = (key: typeof signer, kid: string) => ({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' }] });
    let purged: string;

    beforeEach(async () => {
      const checkpoint = await signAuditCheckpoint(
        { upToSeq: 2, lastHash: entries[1]!.hash, at: Date.UTC(2026, 10, 27, 2), count: 2 },
        { kid: 'signer-1', privateKey: signer.privateKey },
      );
      purged = `${JSON.stringify({ type: 'checkpoint', ...checkpoint })}\n${ndjson(entries.slice(2))}`;
      f.authority.on('GET', '/v1/audit/export', { status: 200, body: purged, contentType: 'application/x-ndjson' });
      f.authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body: jwks(signer, 'signer-1') });
    });

    it("online: checks the checkpoint against the authority's event signers", async () => {
      const run = await f.run(['audit', 'verify']);
      const json = await f.run(['--json', 'audit', 'verify']);

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Audit chain intact: 2 entries, seq 3..4');
      expect(run.stdout).toMatch(/continues from a retention checkpoint: entries up to 2 purged at 2026-11-27T02:00:00\.000Z; signed by event signer signer-1 \(verified\)\n$/);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, checkpointSignature: { status: 'verified', kid: 'signer-1' } });
      expect(f.authority.requests.find((r) => r.path.startsWith('/.well-known/'))?.headers.authorization).toBeUndefined();
    });

    it('online: a checkpoint signed by a key the authority does not use fails (exit 10)', async () => {
      f.authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body: jwks(stranger, 'signer-2') });
      const run = await f.run(['audit', 'verify']);
      expect(run.code).toBe(10);
      expect(run.stderr).toMatch(/^revmesh: audit chain broken: the retention checkpoint \(line 1\) of .*: checkpoint-signature: it is signed by "signer-1", which is not among the event signers of/m);
    });

    it('online: a checkpoint whose signature does not verify with the named key fails (exit 10)', async () => {
      f.authority.on('GET', '/.well-known/revmesh-event-signers.json', { status: 200, body: jwks(stranger, 'signer-1') });
      const run = await f.run(['--json', 'audit', 'verify']);
      expect(run.code).toBe(10);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, problem: 'checkpoint-signature', detail: expect.stringContaining('does not verify') });
    });

    it('--file: the signer is checked only with --signers', async () => {
      const file = join(f.configDir, 'purged.jsonl');
      const keys = join(f.configDir, 'signers.json');
      writeFileSync(file, purged);
      writeFileSync(keys, JSON.stringify(jwks(signer, 'signer-1')));

      const unchecked = await f.run(['audit', 'verify', '--file', file]);
      const checked = await f.run(['audit', 'verify', '--file', file, '--signers', keys]);

      expect(unchecked.code).toBe(0);
      expect(unchecked.stdout).toContain('its signer is not checked without --signers <jwks.json>');
      expect(checked.code).toBe(0);
      expect(checked.stdout).toContain('signed by event signer signer-1 (verified)');
      expect(f.authority.requests).toHaveLength(0);
    });
  });
});
