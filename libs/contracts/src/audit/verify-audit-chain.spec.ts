import { generateKeyPair } from 'jose';
import { AUDIT_GENESIS_HASH, auditEntryHash, sealAuditEntry, type AuditEntry } from './audit-entry';
import { signAuditCheckpoint, verifyAuditCheckpointSignature, type AuditCheckpoint } from './audit-checkpoint';
import { canonicalJson } from './canonical-json';
import { auditCheckpointLine, auditEntryLine, verifyAuditChain, verifyAuditExport } from './verify-audit-chain';

/** A valid chain of `n` entries (seq 1..n), starting after `prevHash` at `firstSeq`. */
function chain(n: number, firstSeq = 1, prevHash = AUDIT_GENESIS_HASH): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prev = prevHash;
  for (let i = 0; i < n; i += 1) {
    const entry = sealAuditEntry({
      seq: firstSeq + i,
      at: 1_700_000_000_000 + i * 1000,
      action: i % 2 === 0 ? 'revocations.create' : 'keys.rotate',
      outcome: 'succeeded',
      actor: { kind: 'operator', id: `alice-${i}` },
      role: 'security-admin',
      target: `target-${firstSeq + i}`,
      justification: 'incident 42: leaked token',
      requestId: `req-${i}`,
      sourceAddress: '10.0.0.1',
      details: { n: i, nested: { b: 1, a: [true, null, 'x'] } },
      prevHash: prev,
    });
    entries.push(entry);
    prev = entry.hash;
  }
  return entries;
}

const lines = (entries: readonly AuditEntry[]) => entries.map(auditEntryLine);

describe('canonicalJson', () => {
  it('sorts keys at every depth and ignores insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: 'é' }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":"é","z":0}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
  it('refuses what is not JSON', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(TypeError);
  });
});

describe('verifyAuditChain', () => {
  it('verifies an untouched chain', () => {
    const entries = chain(5);
    expect(verifyAuditChain(lines(entries))).toEqual({ ok: true, entries, firstSeq: 1, lastSeq: 5, checkpoint: null });
    expect(verifyAuditChain([])).toMatchObject({ ok: true, firstSeq: null, lastSeq: null });
  });

  it('hashes are stable: key order of the line does not matter', () => {
    const [entry] = chain(1);
    const reversed = Object.fromEntries(Object.entries(auditEntryLine(entry!)).reverse());
    expect(verifyAuditChain([reversed])).toMatchObject({ ok: true, lastSeq: 1 });
  });

  it.each([
    ['action', { action: 'keys.compromise' }],
    ['justification', { justification: 'something else entirely' }],
    ['actor', { actor: { kind: 'operator', id: 'mallory' } }],
    ['details', { details: { n: 99, nested: { b: 1, a: [true, null, 'x'] } } }],
    ['at', { at: 1 }],
  ])('names an entry whose %s was edited', (_field, change) => {
    const entries = lines(chain(5));
    entries[2] = { ...entries[2]!, ...change } as never;
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, problem: 'edited', seq: 3, line: 3 });
  });

  it.each([
    ['an extra actor field', (line: Record<string, unknown>) => ({ ...line, actor: { kind: 'operator', id: 'alice-2', onBehalfOf: 'mallory' } })],
    ['a __proto__ key in details', (line: Record<string, unknown>) => JSON.parse(JSON.stringify(line).replace('"details":{', '"details":{"__proto__":{"approvedBy":"mallory"},')) as Record<string, unknown>],
  ])('names an entry given content its hash does not cover (%s)', (_what, change) => {
    const entries: Record<string, unknown>[] = lines(chain(5));
    entries[2] = change(entries[2]!);
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, problem: 'edited', seq: 3, line: 3 });
    expect(verifyAuditExport(entries.map((e) => JSON.stringify(e)).join('\n'))).toMatchObject({ ok: false, problem: 'edited', seq: 3, line: 3 });
  });

  it('names an entry rewritten with a recomputed hash (the next link breaks)', () => {
    const entries = chain(5);
    const { hash: _hash, ...rest } = entries[1]!;
    entries[1] = sealAuditEntry({ ...rest, justification: 'covering my tracks' });
    expect(verifyAuditChain(lines(entries))).toMatchObject({ ok: false, problem: 'edited', seq: 2 });
  });

  it('names a deleted entry', () => {
    const entries = chain(5);
    entries.splice(2, 1);
    expect(verifyAuditChain(lines(entries))).toMatchObject({ ok: false, problem: 'deleted', seq: 3, line: 3 });
  });

  it('names deleted first entries when no checkpoint vouches for them', () => {
    expect(verifyAuditChain(lines(chain(5).slice(2)))).toMatchObject({ ok: false, problem: 'deleted', seq: 1 });
  });

  it('names entries deleted from the end when the last seq is known', () => {
    const entries = chain(5).slice(0, 3);
    expect(verifyAuditChain(lines(entries))).toMatchObject({ ok: true });
    expect(verifyAuditChain(lines(entries), { expectedLastSeq: 5 })).toMatchObject({ ok: false, problem: 'deleted', seq: 4, line: null });
  });

  it('names swapped entries as reordered', () => {
    const entries = chain(5);
    [entries[1], entries[2]] = [entries[2]!, entries[1]!];
    expect(verifyAuditChain(lines(entries))).toMatchObject({ ok: false, problem: 'reordered', seq: 3, line: 2 });
  });

  it('names an entry moved to another seq (contents swapped, seqs kept) as reordered', () => {
    const entries = chain(5);
    const [b, c] = [entries[1]!, entries[2]!];
    entries[1] = { ...c, seq: 2 };
    entries[2] = { ...b, seq: 3 };
    expect(verifyAuditChain(lines(entries))).toMatchObject({ ok: false, problem: 'reordered', seq: 2, detail: expect.stringContaining('entry 3 moved') });
  });

  it('names an inserted entry claiming a taken seq', () => {
    const entries = chain(5);
    const { hash: _hash, ...rest } = entries[2]!;
    const forged = sealAuditEntry({ ...rest, action: 'nothing.happened' });
    const withForged = [...entries.slice(0, 2), forged, ...entries.slice(2)];
    expect(verifyAuditChain(lines(withForged))).toMatchObject({ ok: false, problem: 'inserted', seq: 3, line: 3 });
  });

  it('names a malformed line', () => {
    const entries: unknown[] = lines(chain(3));
    entries[1] = { type: 'entry', seq: 2, hash: 'nope' };
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, problem: 'malformed', seq: 2, line: 2 });
    expect(verifyAuditChain([{ type: 'mystery' }])).toMatchObject({ ok: false, problem: 'malformed', line: 1 });
  });

  it('reports only the FIRST problem', () => {
    const entries = lines(chain(6));
    entries[4] = { ...entries[4]!, action: 'later.edit' } as never;
    entries[1] = { ...entries[1]!, action: 'earlier.edit' } as never;
    expect(verifyAuditChain(entries)).toMatchObject({ ok: false, problem: 'edited', seq: 2 });
  });

  describe('after a purge', () => {
    let key: Awaited<ReturnType<typeof generateKeyPair>>;
    let full: AuditEntry[];
    let checkpoint: AuditCheckpoint;
    beforeAll(async () => {
      key = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      full = chain(6);
      checkpoint = await signAuditCheckpoint({ upToSeq: 3, lastHash: full[2]!.hash, at: 1_700_000_100_000, count: 3 }, { kid: 'signer-1', privateKey: key.privateKey });
    });
    const trust = () => ({ publicKeyFor: (kid: string) => (kid === 'signer-1' ? key.publicKey : undefined) });

    it('verifies the remaining entries behind a signed checkpoint', async () => {
      const result = verifyAuditChain([auditCheckpointLine(checkpoint), ...lines(full.slice(3))]);
      expect(result).toMatchObject({ ok: true, firstSeq: 4, lastSeq: 6, checkpoint });
      await expect(verifyAuditCheckpointSignature(checkpoint, trust())).resolves.toEqual({ ok: true, signerKid: 'signer-1' });
    });

    it('fails when the checkpoint was edited after signing', async () => {
      const tampered = { ...checkpoint, upToSeq: 2 };
      expect(verifyAuditChain([auditCheckpointLine(tampered), ...lines(full.slice(2))])).toMatchObject({
        ok: false,
        problem: 'checkpoint-mismatch',
        line: 1,
      });
      await expect(verifyAuditCheckpointSignature(tampered, trust())).resolves.toMatchObject({ ok: false });
    });

    it('fails when the first remaining entry does not continue from the checkpoint', async () => {
      const other = await signAuditCheckpoint({ upToSeq: 3, lastHash: 'a'.repeat(64), at: 1, count: 3 }, { kid: 'signer-1', privateKey: key.privateKey });
      expect(verifyAuditChain([auditCheckpointLine(other), ...lines(full.slice(3))])).toMatchObject({ ok: false, problem: 'checkpoint-mismatch', seq: 4 });
    });

    it('fails when an entry after the checkpoint is deleted', () => {
      expect(verifyAuditChain([auditCheckpointLine(checkpoint), ...lines(full.slice(4))])).toMatchObject({ ok: false, problem: 'deleted', seq: 4 });
    });

    it('rejects a checkpoint signed by an unknown key', async () => {
      const stranger = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const forged = await signAuditCheckpoint(checkpoint, { kid: 'signer-1', privateKey: stranger.privateKey });
      await expect(verifyAuditCheckpointSignature(forged, trust())).resolves.toMatchObject({ ok: false });
    });
  });

  it('verifyAuditExport reads JSON lines and names a non-JSON line by its file line', () => {
    const text = lines(chain(3)).map((l) => JSON.stringify(l)).join('\n') + '\n';
    expect(verifyAuditExport(text)).toMatchObject({ ok: true, lastSeq: 3 });
    const broken = text.split('\n');
    broken[1] = '{not json';
    expect(verifyAuditExport(broken.join('\n'))).toMatchObject({ ok: false, problem: 'malformed', line: 2 });
    const edited = text.replace('alice-1', 'mallory');
    expect(verifyAuditExport(edited)).toMatchObject({ ok: false, problem: 'edited', seq: 2, line: 2 });
  });

  it('the hash covers every field but hash itself', () => {
    const [entry] = chain(1);
    expect(auditEntryHash({ ...entry!, prevHash: 'f'.repeat(64) })).not.toBe(entry!.hash);
    expect(auditEntryHash({ ...entry!, hash: 'anything' } as AuditEntry)).toBe(entry!.hash);
  });
});
