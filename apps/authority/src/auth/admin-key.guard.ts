import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { secretsEqual } from '@revmesh/authority-core';
import type { AuthorityConfig } from '../config/config';
import { AUTHORITY_CONFIG } from '../core/core.tokens';
import { headerValue, type HttpRequest } from '../http/http-types';
import { ProblemException } from '../problems/problem';
import { IS_PUBLIC } from './public.decorator';

const REALM = 'Bearer realm="revmesh-admin"';

/**
 * The global guard: every route needs `Authorization: Bearer $REVMESH_ADMIN_KEY` unless it is
 * marked {@link Public}. Stands in for operator login, which a later issue adds.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHORITY_CONFIG) private readonly config: AuthorityConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;

    const authorization = headerValue(context.switchToHttp().getRequest<HttpRequest>(), 'authorization');
    const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) {
      throw new ProblemException('UNAUTHORIZED', 'send the admin key as "Authorization: Bearer <key>"', {
        headers: { 'WWW-Authenticate': REALM },
      });
    }
    // Hash-then-compare: constant time whatever the length or content of the presented key.
    if (!secretsEqual(match[1] ?? '', this.config.adminKey)) {
      throw new ProblemException('UNAUTHORIZED', 'the admin key is not valid', {
        headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
      });
    }
    return true;
  }
}
