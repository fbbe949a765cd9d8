import { Module } from '@nestjs/common';
import { RevocationBatchController } from './revocation-batch.controller';
import { RevocationsController } from './revocations.controller';

@Module({ controllers: [RevocationsController, RevocationBatchController] })
export class RevocationsModule {}
