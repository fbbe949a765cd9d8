import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { EnrolmentController } from './enrolment.controller';
import { OperatorsController } from './operators.controller';

/** Operator login (bootstrap, login, step-up, logout, me), enrolment and operator accounts. */
@Module({ controllers: [AuthController, EnrolmentController, OperatorsController] })
export class OperatorsModule {}
