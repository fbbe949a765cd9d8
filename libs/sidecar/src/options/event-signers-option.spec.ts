import { createInMemoryTransport } from '@revmesh/test-support';
import { eventSignersSchema } from './event-signers-option';
import { resolveSidecarOptions } from './resolve-options';
import type { SidecarOptions } from './sidecar-options';

/** The RFC 8037 example Ed25519 public key, as the authority serves an event signer. */
const SIGNER = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'signer-1', alg: 'EdDSA', use: 'sig' } as const;
const OTHER = { kty: 'OKP', crv: 'Ed25519', x: '3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08', kid: 'signer-2' } as const;

/** The issues `input` gets, as `path: message` lines. */
function issuesOf(input: unknown): string[] {
  const result = eventSignersSchema.safeParse(input);
  if (result.success) throw new Error('expected the event signers to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

const options = (eventSigners: unknown): SidecarOptions =>
  ({ issuer: 'https://auth.test', audience: 'orders-api', eventSigners, transport: createInMemoryTransport() }) as SidecarOptions;

describe('the eventSigners option', () => {
  it('takes an array of public JWKs', () => {
    expect(eventSignersSchema.parse([SIGNER, OTHER])).toEqual([SIGNER, OTHER]);
  });

  it('takes the JWK Set document /.well-known/revmesh-event-signers.json serves', () => {
    const served = JSON.parse(JSON.stringify({ keys: [SIGNER, OTHER] })) as unknown;
    expect(eventSignersSchema.parse(served)).toEqual([SIGNER, OTHER]);
    expect(resolveSidecarOptions(options(served)).eventSigners).toEqual([SIGNER, OTHER]);
  });

  it('returns a copy, so changing the input later does not change whom the sidecar trusts', () => {
    const jwk: Record<string, string> = { ...OTHER };
    const input: { keys: unknown[] } = { keys: [jwk] };
    const resolved = resolveSidecarOptions(options(input)).eventSigners;
    jwk.x = 'changed';
    input.keys.push({ ...SIGNER });
    expect(resolved).toEqual([OTHER]);
  });

  it('names the member of the JWK Set that is wrong', () => {
    expect(issuesOf({ keys: [SIGNER, { ...OTHER, crv: 'P-256' }] })).toEqual([expect.stringMatching(/^keys\.1\.crv: .*Ed25519 public JWK/)]);
    expect(issuesOf({ keys: [SIGNER, { ...SIGNER }] })).toEqual(['keys.1.kid: duplicate kid "signer-1"']);
    expect(issuesOf({ keys: [{ ...OTHER, x: 'AAAA' }] })).toEqual(['keys.0.x: is not a valid Ed25519 public key']);
    expect(issuesOf({ keys: ['signer-1'] })).toEqual(['keys.0: must be a JWK object { kty: "OKP", crv: "Ed25519", x, kid }']);
  });

  it('refuses private key material inside a JWK Set loudly', () => {
    expect(issuesOf({ keys: [{ ...OTHER, d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }] })).toEqual([
      expect.stringMatching(/^keys\.0: REFUSED: contains private key material \("d"\)/),
    ]);
  });

  it('says what shape it wants when given neither an array nor a JWK Set', () => {
    const shape = 'must be an array of public Ed25519 JWKs, or a JWK Set { "keys": [...] } as served at /.well-known/revmesh-event-signers.json';
    expect(issuesOf('signer-1')).toEqual([`: ${shape}`]);
    expect(issuesOf({ kty: 'OKP' })).toEqual([`: ${shape}`]);
    expect(issuesOf({ keys: 'signer-1' })).toEqual([`keys: ${shape}`]);
    expect(issuesOf({ keys: [] })).toEqual(['keys: must list at least one trusted event signer']);
  });

  it('reports the field and the fix through createSidecar options', () => {
    expect(() => resolveSidecarOptions(options({ keys: [] }))).toThrow('options.eventSigners.keys: must list at least one trusted event signer');
    expect(() => resolveSidecarOptions(options(undefined))).toThrow(/options\.eventSigners: is required: .*revmesh event-signers pin/);
  });
});
