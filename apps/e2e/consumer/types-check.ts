// Every public entry point of the installed package, typed as a consumer uses them.
import express from 'express';
import Fastify from 'fastify';
import { createSidecar, type EventSignerJwkSet, type Sidecar, type VerifyResult } from '@revmesh/sidecar';
import { revmeshExpress } from '@revmesh/sidecar/express';
import { revmeshFastify } from '@revmesh/sidecar/fastify';
import { RevmeshGuard, TokenRejectedError, toHttpRejection } from '@revmesh/sidecar/nest';

const signers: EventSignerJwkSet = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1' }] };
const sidecar: Sidecar = createSidecar({ issuer: 'http://127.0.0.1:8080', audience: 'orders-api', brokers: ['127.0.0.1:19092'], eventSigners: signers });

const app = express();
// The augmentation: req.revmesh exists on Express's own Request type in any handler.
app.get('/orders', revmeshExpress(sidecar), (req, res) => {
  const sub: string | undefined = req.revmesh?.claims.sub;
  res.json({ sub });
});

const fastify = Fastify();
fastify.get('/orders', { onRequest: revmeshFastify(sidecar) }, async () => ({ orders: [] }));

export const guard = new RevmeshGuard(sidecar, { onRejected: (failure) => void toHttpRejection(failure).status });
export async function codeOf(token: string): Promise<string> {
  const result: VerifyResult = await sidecar.verify(token);
  return result.ok ? result.claims.sub : result.code;
}
export const isRejection = (error: unknown): boolean => error instanceof TokenRejectedError;
