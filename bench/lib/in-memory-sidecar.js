'use strict';
// A ready sidecar fed by the in-memory transport of libs/test-support: one active ES256 key on the
// keys topic (the default key source), and a backlog of deny rules, so verification benchmarks pay
// for the deny-rule check as in production and nothing waits on a broker.
const { randomUUID } = require('node:crypto');
const built = require('./built');

const ISSUER = 'https://auth.bench';
const AUDIENCE = 'orders-api';
const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * What every bench sidecar is given besides its transport: its issuer (the bench issuer unless
 * given), the bench audience, trust in `eventSigners`, no logging, and a staleness bound no run
 * reaches (not every bench has an authority sending heartbeats).
 * @param {{ eventSigners: object[], instanceId: string, issuer?: string }} options
 */
function benchSidecarOptions({ eventSigners, instanceId, issuer = ISSUER }) {
  return { issuer, audience: AUDIENCE, eventSigners, logger: SILENT, instanceId, staleness: { maxSilenceMs: 86_400_000 } };
}

/**
 * @param {{ jtiRules: number, subRules: number, tokenCache?: object }} options
 * @returns {Promise<{ sidecar: any, issuer: any, close: () => Promise<void> }>}
 */
async function inMemorySidecar({ jtiRules, subRules, tokenCache }) {
  const ts = built.testSupport();
  const { topicNames } = built.contracts();
  const { createSidecar } = built.sidecar();
  const topics = topicNames();
  const issuer = await ts.createTestIssuer({ issuer: ISSUER, audience: AUDIENCE, alg: 'ES256', lifetimeSeconds: 3600 });
  const signer = await ts.createTestEventSigner();
  const transport = ts.createInMemoryTransport();
  const now = Date.now();
  await ts.appendSignedEvent(transport, topics.keys, ts.keyStateEvent({ key: issuer, state: 'active', keySetVersion: 1, now }), signer);
  for (let i = 0; i < jtiRules + subRules; i++) {
    const target = i < jtiRules ? { type: 'jti', value: randomUUID() } : { type: 'sub', value: `revoked-user-${i}` };
    await ts.appendSignedEvent(transport, topics.revocations, ts.revocationEvent({ target, now, revocationId: randomUUID() }), signer);
  }
  const sidecar = createSidecar({ ...benchSidecarOptions({ eventSigners: [signer.publicJwk], instanceId: `bench-${process.pid}` }), transport, ...(tokenCache ? { tokenCache } : {}) });
  await sidecar.start();
  await sidecar.ready;
  return { sidecar, issuer, close: () => sidecar.close() };
}

module.exports = { inMemorySidecar, benchSidecarOptions, ISSUER, AUDIENCE };
