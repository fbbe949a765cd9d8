// A NestJS service guarded by the sidecar, as the README's example writes it; CommonJS.
import 'reflect-metadata';
import { Controller, Get, HttpException, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createSidecar } from '@revmesh/sidecar';
import { RevmeshGuard, toHttpRejection, type RevmeshRequestContext } from '@revmesh/sidecar/nest';

@Controller('orders')
class OrdersController {
  @Get()
  list(@Req() request: { revmesh?: RevmeshRequestContext }): { orders: never[]; sub: string | null } {
    return { orders: [], sub: request.revmesh?.claims.sub ?? null };
  }
}

@Module({ controllers: [OrdersController] })
class AppModule {}

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

  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  app.useGlobalGuards(
    new RevmeshGuard(sidecar, {
      onRejected: (failure) => {
        const rejection = toHttpRejection(failure);
        throw new HttpException(rejection.problem, rejection.status);
      },
    }),
  );
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  process.stdout.write(`nest listening on ${port}\n`);
  process.once('SIGTERM', () => void app.close().then(() => sidecar.close()));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
