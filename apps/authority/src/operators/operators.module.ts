import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { OperatorsController } from './operators.controller';

/** Operator login (bootstrap, login, step-up, logout, me) and operator accounts. */
@Module({ controllers: [AuthController, OperatorsController] })
export class OperatorsModule {}
