import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthorityConfig } from '../config/config';
import { ProblemException } from '../problems/problem';
import { AdminKeyGuard } from './admin-key.guard';
import { Public } from './public.decorator';

const ADMIN_KEY = 'x'.repeat(40);

@Controller()
class GuardedController {
  @Get() guarded(): void {}
}

@Public()
@Controller()
class PublicController {
  @Get() open(): void {}
}

function context(handler: () => void, target: new () => unknown, authorization?: string): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => target,
    switchToHttp: () => ({
      getRequest: () => ({ method: 'GET', url: '/', headers: authorization === undefined ? {} : { authorization } }),
    }),
  } as unknown as ExecutionContext;
}

describe('AdminKeyGuard', () => {
  const guard = new AdminKeyGuard(new Reflector(), { adminKey: ADMIN_KEY } as AuthorityConfig);
  const guarded = (authorization?: string) =>
    context(GuardedController.prototype.guarded, GuardedController, authorization);

  const rejection = (authorization?: string): ProblemException => {
    try {
      guard.canActivate(guarded(authorization));
    } catch (error) {
      if (error instanceof ProblemException) return error;
      throw error;
    }
    throw new Error('expected the guard to refuse');
  };

  it('lets @Public() controllers through without a key', () => {
    expect(guard.canActivate(context(PublicController.prototype.open, PublicController))).toBe(true);
  });

  it('accepts the admin key as a Bearer token (scheme case-insensitive)', () => {
    expect(guard.canActivate(guarded(`Bearer ${ADMIN_KEY}`))).toBe(true);
    expect(guard.canActivate(guarded(`bearer ${ADMIN_KEY}`))).toBe(true);
  });

  it('refuses a missing key with 401 UNAUTHORIZED and a Bearer challenge', () => {
    const error = rejection();
    expect(error.status).toBe(401);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.extra.headers?.['WWW-Authenticate']).toMatch(/^Bearer /);
  });

  it.each([
    ['a wrong key', `Bearer ${'y'.repeat(40)}`],
    ['a prefix of the key', `Bearer ${ADMIN_KEY.slice(0, 39)}`],
    ['the key plus a suffix', `Bearer ${ADMIN_KEY}x`],
    ['another scheme', `Basic ${ADMIN_KEY}`],
    ['an empty token', 'Bearer '],
  ])('refuses %s', (_label, authorization) => {
    expect(rejection(authorization).code).toBe('UNAUTHORIZED');
  });
});
