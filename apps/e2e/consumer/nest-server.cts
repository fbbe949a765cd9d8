// A NestJS service guarded by the sidecar, as the README's example writes it; CommonJS.
import 'reflect-metadata';
import { Controller, Get, HttpException, Inject, Module, Req, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createSidecar, type Sidecar } from '@revmesh/sidecar';
import { RevmeshGuard, revmeshNestDrillProbe, toHttpRejection, type RevmeshRequestContext } from '@revmesh/sidecar/nest';

@Controller('orders')
class OrdersController {
  @Get()
  list(@Req() request: { revmesh?: RevmeshRequestContext }): { orders: never[]; sub: string | null } {
    return { orders: [], sub: request.revmesh?.claims.sub ?? null };
  }
}

const SIDECAR = Symbol('SIDECAR');

/** Opt-in: the probe breach drills send their canary tokens to, behind the global guard like every route. */
@Controller('_revmesh/probe')
class DrillProbeController {
  constructor(@Inject(SIDECAR) private readonly sidecar: Sidecar) {}

  @Get()
  probe(@Req() request: { revmesh?: RevmeshRequestContext }) {
    return revmeshNestDrillProbe(this.sidecar, request);
  }
}

@Module({})
class AppModule {
  static register(sidecar: Sidecar): DynamicModule {
    return { module: AppModule, controllers: [OrdersController, DrillProbeController], providers: [{ provide: SIDECAR, useValue: sidecar }] };
  }
}

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

  const app = await NestFactory.create(AppModule.register(sidecar), { logger: ['error', 'warn'] });
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
