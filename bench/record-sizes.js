// Bytes per record on revmesh's topics, for sizing the broker (value + key, before replication
// and Kafka's per-batch overhead). No broker needed: the records are built and signed with the
// same contracts the authority and sidecars use.
//
//   npm run build && node bench/record-sizes.js
//
// A `jti` revocation of a UUID (revocation id a UUID too, the actor an operator, reason
// "token leaked"): signed alone (one `POST /v1/revocations`) and as a member of a batch of 1000
// (`POST /v1/revocations:batch`, and the pages the authority republishes); a sidecar's ack and
// heartbeat on the acks topic; and the snapshot body per 1M such rules.
'use strict';
const { randomUUID } = require('node:crypto');
const built = require('./lib/built');

async function main() {
  const contracts = built.contracts();
  const ts = built.testSupport();
  const signer = await ts.createTestEventSigner();
  const now = Date.now();
  const event = () => ({
    ...ts.revocationEvent({ target: { type: 'jti', value: randomUUID() }, revocationId: randomUUID(), reason: 'token leaked', now }),
    actor: { kind: 'operator', id: 'alice@example.com' },
  });
  const keyOf = (e) => Buffer.byteLength(contracts.revocationKey(e.payload.target, e.payload.iss));
  const single = event();
  const singleBytes = (await contracts.signEvent(single, signer.signingKey)).length + keyOf(single);
  const batch = Array.from({ length: 1000 }, event);
  const members = await contracts.signEventBatch(batch, signer.signingKey);
  const batchBytes = members.reduce((n, v, i) => n + v.length + keyOf(batch[i]), 0) / members.length;
  const instance = 'orders-api-7d9f8-abcde';
  const base = { instance_id: instance, sent_at: now, key_set_version: 12 };
  const ack = contracts.encodeSidecarReport({ ...base, type: 'sidecar.ack', version: 1, event_id: randomUUID(), event_type: 'revocation.issued', applied_at: now }).length + instance.length;
  const heartbeat =
    contracts.encodeSidecarReport({ ...base, type: 'sidecar.heartbeat', version: 1, started_at: now, ready: true, audiences: ['orders-api'], heartbeat_interval_ms: 5000 }).length + instance.length;
  const rules = Array.from({ length: 10_000 }, () => ({ revocationId: randomUUID(), targetType: 'jti', value: randomUUID(), iss: undefined, notAfterIat: 0, expiresAt: now + 3_600_000 }));
  const perRule = contracts.encodeSnapshotRules(rules).length / rules.length;
  const lines = [
    `revocations topic, one revocation signed alone: ${singleBytes} B`,
    `revocations topic, one revocation of a batch of 1000: ${Math.round(batchBytes)} B`,
    `acks topic, one ack: ${ack} B; one heartbeat: ${heartbeat} B`,
    `snapshots topic, jti rules: ${perRule.toFixed(1)} B per rule, ${((perRule * 1e6) / 2 ** 20).toFixed(1)} MiB per 1M rules`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
