import { Module } from '@nestjs/common';
import { ClientDpopController } from './client-dpop.controller';
import { ClientsController } from './clients.controller';

@Module({ controllers: [ClientsController, ClientDpopController] })
export class ClientsModule {}
