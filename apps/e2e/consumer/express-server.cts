// An Express service protected by the sidecar, as the README's example writes it; CommonJS.
import express from 'express';
import { createSidecar } from '@revmesh/sidecar';
import { DRILL_PROBE_PATH, revmeshExpress, revmeshExpressDrillProbe } from '@revmesh/sidecar/express';

async function main(): Promise<void> {
  const sidecar = createSidecar({
    issuer: process.env.REVMESH_ISSUER!,
    audience: 'orders-api',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    topicPrefix: process.env.REVMESH_TOPIC_PREFIX ?? 'revmesh.',
    eventSigners: JSON.parse(process.env.REVMESH_EVENT_SIGNERS!),
  });
  await sidecar.start();
  await sidecar.ready;

  const app = express();
  // req.revmesh is typed by @revmesh/sidecar/express's augmentation of Express's Request.
  app.get('/orders', revmeshExpress(sidecar), (req, res) => {
    res.json({ orders: [], sub: req.revmesh?.claims.sub ?? null });
  });
  // Opt-in: the probe breach drills send their canary tokens to, verified like /orders.
  app.get(DRILL_PROBE_PATH, revmeshExpressDrillProbe(sidecar));
  const port = Number(process.env.PORT ?? 3000);
  const server = app.listen(port, '127.0.0.1', () => process.stdout.write(`express listening on ${port}\n`));
  process.once('SIGTERM', () => server.close(() => void sidecar.close()));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
