import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import type { EventSignerTrust } from '../signing/signed-event';
import { signEvent } from '../signing/signed-event';
import { assembleSnapshot, openSnapshotManifest, parseSnapshotChunk, signSnapshot, SNAPSHOT_MANIFEST_KEY, type SignSnapshotInput } from './signed-snapshot';
import { encodeSnapshotRules, forEachSnapshotRule, SnapshotFormatError, type SnapshotRule } from './snapshot-rules';

const rules: SnapshotRule[] = [
  { revocationId: randomUUID(), targetType: 'jti', value: randomUUID(), iss: undefined, notAfterIat: 0, expiresAt: 1_900_000_000_123 },
  { revocationId: 'not-a-uuid', targetType: 'sub', value: 'alice é', iss: 'https://idp.example', notAfterIat: 1_800_000_000, expiresAt: 1_900_000_000_000 },
  { revocationId: randomUUID(), targetType: 'sid', value: 'A1B2', iss: 'https://idp.example', notAfterIat: 5, expiresAt: 7 },
  { revocationId: randomUUID(), targetType: 'client_id', value: 'x'.repeat(600), iss: 'https://other.example', notAfterIat: 9, expiresAt: 10 },
  { revocationId: randomUUID(), targetType: 'jti', value: randomUUID().toUpperCase(), iss: undefined, notAfterIat: 0, expiresAt: 11 },
];

const decodeAll = (body: Buffer): SnapshotRule[] => {
  const out: SnapshotRule[] = [];
  forEachSnapshotRule(body, (rule) => out.push({ ...rule }));
  return out;
};

describe('snapshot rule body', () => {
  it('round-trips every target type, issuers, UUID and non-UUID values and ids', () => {
    expect(decodeAll(encodeSnapshotRules(rules))).toEqual(rules);
    expect(decodeAll(encodeSnapshotRules([]))).toEqual([]);
  });

  it('packs a jti rule with UUID token and revocation ids into 41 bytes', () => {
    const one = encodeSnapshotRules([rules[0]!]);
    const empty = encodeSnapshotRules([]);
    expect(one.length - empty.length).toBe(41);
  });

  it('refuses a body cut short or with bytes after its last rule', () => {
    const body = encodeSnapshotRules(rules);
    for (const cut of [3, 11, body.length - 1]) expect(() => forEachSnapshotRule(body.subarray(0, cut), () => undefined)).toThrow(SnapshotFormatError);
    expect(() => forEachSnapshotRule(Buffer.concat([body, Buffer.from([0])]), () => undefined)).toThrow(SnapshotFormatError);
    const badMagic = Buffer.from(body);
    badMagic[0] = 0x58;
    expect(() => forEachSnapshotRule(badMagic, () => undefined)).toThrow(/magic/);
  });
});

describe('signed snapshots', () => {
  let signer: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let trust: EventSignerTrust;
  const input = (body: Buffer, seq = 7): SignSnapshotInput => ({
    seq,
    createdAt: 1_800_000_000_000,
    coveredAt: 1_800_000_000_000,
    topics: { revocations: 't.revocations.v1', keys: 't.keys.v1' },
    offsets: { revocations: { '0': '12', '1': '0', '2': '4' }, keys: { '0': '3' } },
    keySetVersion: 4,
    ruleCount: rules.length,
    body,
    chunkBytes: 1024,
  });
  beforeAll(async () => {
    signer = await generateKeyPair('Ed25519');
    other = await generateKeyPair('Ed25519');
    trust = { publicKeyFor: (kid) => (kid === 'signer-1' ? signer.publicKey : undefined) };
  });

  const chunksOf = (records: readonly { key: string; value: Buffer }[]): Map<number, Buffer> => {
    const chunks = new Map<number, Buffer>();
    for (const record of records) {
      const chunk = parseSnapshotChunk(record.value);
      if (chunk) chunks.set(chunk.index, chunk.data);
    }
    return chunks;
  };

  it('chunks the body, signs one manifest last, and assembles back to the same rules', async () => {
    const body = encodeSnapshotRules(rules);
    const { manifest, records } = await signSnapshot(input(body), { kid: 'signer-1', privateKey: signer.privateKey });
    expect(records.length).toBe(Math.ceil(body.length / 1024) + 1);
    expect(records.at(-1)!.key).toBe(SNAPSHOT_MANIFEST_KEY);
    const opened = await openSnapshotManifest(records.at(-1)!.value, trust);
    expect(opened).toEqual({ ok: true, manifest, signerKid: 'signer-1' });
    const assembled = assembleSnapshot(manifest, chunksOf(records));
    expect(assembled.ok && decodeAll(assembled.body)).toEqual(rules);
  });

  it('refuses a manifest signed by an untrusted key, or altered after signing, as FORGED', async () => {
    const body = encodeSnapshotRules(rules);
    const forged = await signSnapshot(input(body), { kid: 'signer-1', privateKey: other.privateKey });
    expect(await openSnapshotManifest(forged.records.at(-1)!.value, trust)).toMatchObject({ ok: false, reason: 'FORGED' });
    const unknown = await signSnapshot(input(body), { kid: 'stranger', privateKey: other.privateKey });
    expect(await openSnapshotManifest(unknown.records.at(-1)!.value, trust)).toMatchObject({ ok: false, reason: 'FORGED' });
    const genuine = (await signSnapshot(input(body), { kid: 'signer-1', privateKey: signer.privateKey })).records.at(-1)!.value.toString('ascii');
    const [header, payload, signature] = genuine.split('.');
    const edited = Buffer.from(payload!, 'base64url').toString('utf8').replace('"seq":7', '"seq":99');
    const tampered = Buffer.from(`${header}.${Buffer.from(edited).toString('base64url')}.${signature}`, 'ascii');
    expect(await openSnapshotManifest(tampered, trust)).toMatchObject({ ok: false, reason: 'FORGED' });
  });

  it('refuses a signed event in place of a manifest (typ), and garbage as MALFORMED', async () => {
    const event = await signEvent(
      {
        id: randomUUID(),
        type: 'authority.heartbeat',
        version: 1,
        issued_at: 1,
        actor: { kind: 'system', id: 'authority' },
        payload: { key_set_version: 1, sequence: 1 },
      } as never,
      { kid: 'signer-1', privateKey: signer.privateKey },
    ).catch(() => undefined);
    if (event) expect(await openSnapshotManifest(event, trust)).toMatchObject({ ok: false, reason: 'FORGED' });
    expect(await openSnapshotManifest(Buffer.from('{"seq":1}'), trust)).toMatchObject({ ok: false, reason: 'MALFORMED' });
    expect(await openSnapshotManifest(null, trust)).toMatchObject({ ok: false, reason: 'MALFORMED' });
  });

  it('refuses a snapshot with a chunk missing, cut short or altered as TRUNCATED', async () => {
    const body = encodeSnapshotRules(Array.from({ length: 100 }, () => ({ ...rules[0]!, value: randomUUID() })));
    expect(body.length).toBeGreaterThan(2048);
    const { manifest, records } = await signSnapshot(input(body), { kid: 'signer-1', privateKey: signer.privateKey });
    const missing = chunksOf(records);
    missing.delete(1);
    expect(assembleSnapshot(manifest, missing)).toMatchObject({ ok: false, reason: 'TRUNCATED' });
    const cut = chunksOf(records);
    cut.set(0, cut.get(0)!.subarray(0, 100));
    expect(assembleSnapshot(manifest, cut)).toMatchObject({ ok: false, reason: 'TRUNCATED' });
    const altered = chunksOf(records);
    const flipped = Buffer.from(altered.get(0)!);
    flipped[50] = flipped[50]! ^ 1;
    altered.set(0, flipped);
    expect(assembleSnapshot(manifest, altered)).toMatchObject({ ok: false, reason: 'TRUNCATED' });
  });

  it('parses only chunk records', () => {
    expect(parseSnapshotChunk(Buffer.from('eyJhbGciOiJFZERTQSJ9.e30.sig'))).toBeUndefined();
    expect(parseSnapshotChunk(null)).toBeUndefined();
  });
});
