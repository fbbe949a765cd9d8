import type { TransmitterView } from '@revmesh/authority-core';

/** A registered transmitter as the API shows it: no secret (the client secret is sealed, the push header hashed). */
export function transmitterView(transmitter: TransmitterView) {
  return {
    id: transmitter.id,
    issuer: transmitter.issuer,
    configUrl: transmitter.configUrl,
    clientId: transmitter.clientId,
    ...(transmitter.scope === undefined ? {} : { scope: transmitter.scope }),
    description: transmitter.description,
    delivery: transmitter.delivery,
    streamId: transmitter.streamId,
    status: transmitter.status,
    audience: transmitter.stream?.aud ?? null,
    eventsDelivered: transmitter.stream?.events_delivered ?? [],
    endpointUrl: transmitter.stream?.delivery.endpoint_url ?? null,
    verifiedAt: transmitter.verifiedAt,
    lastSetAt: transmitter.lastSetAt,
    createdBy: transmitter.createdBy,
    createdAt: transmitter.createdAt,
    updatedAt: transmitter.updatedAt,
  };
}
export type TransmitterJson = ReturnType<typeof transmitterView>;
