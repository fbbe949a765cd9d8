import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ROLES, systemAuditContext, type Role } from '@revmesh/authority-core';
import { startTestAuthority, type AuthorityFixture, type TestOperator } from '../testing/authority-fixture.spec-helper';
import { IS_PUBLIC } from './public.decorator';

/**
 * The role × action matrix: every guarded write route of the app answers 401 without a token,
 * 403 to each role below its own, and passes the guard for its role.
 *
 * To extend: add a row to WRITE_ROUTES. The first test fails, naming the route, whenever the
 * app has a guarded write route the table does not list (or the table lists one that is gone).
 */
interface RouteCase {
  /** `METHOD /path` as declared, with `:params`. */
  readonly route: string;
  /** Weakest role allowed. */
  readonly role: Role;
  /** The URL to call (params filled in); default: the declared path. */
  readonly url?: (f: AuthorityFixture) => string;
  /** Body (before the fixture adds the justification); may be computed for the caller. */
  readonly payload?: (f: AuthorityFixture, caller: TestOperator) => unknown | Promise<unknown>;
  /** What the right role gets: the action ran (or was queued for approval), or a domain answer past the guard. */
  readonly expect: number;
}

const activeKid = (f: AuthorityFixture): string => f.authority.core.keyStates().find((k) => k.state === 'active')!.kid;
const reason = () => ({ reason: 'role matrix' });

/** `POST /v1/operators/:username/<action>` on a viewer made for it: 202, waiting for a second security-admin. */
const privilegeChange = (action: string, body: Record<string, unknown>): RouteCase => ({
  route: `POST /v1/operators/:username/${action}`,
  role: 'security-admin',
  url: () => `/v1/operators/matrix-subject/${action}`,
  payload: async (f) => {
    await f.newOperator('viewer', 'matrix-subject').catch(() => undefined);
    return body;
  },
  expect: 202,
});

const WRITE_ROUTES: readonly RouteCase[] = [
  { route: 'POST /v1/clients', role: 'security-admin', payload: () => ({ audiences: ['matrix-api'], scopes: [] }), expect: 201 },
  // Past the guard, an unknown client is a 404 (disable: before any approval is requested).
  { route: 'POST /v1/clients/:clientId/rotate-secret', role: 'security-admin', url: () => '/v1/clients/matrix-nobody/rotate-secret', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/clients/:clientId/disable', role: 'security-admin', url: () => '/v1/clients/matrix-nobody/disable', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/clients/:clientId/enable', role: 'security-admin', url: () => '/v1/clients/matrix-nobody/enable', payload: () => ({}), expect: 404 },
  { route: 'PUT /v1/clients/:clientId/dpop', role: 'security-admin', url: () => '/v1/clients/matrix-nobody/dpop', payload: () => ({ dpop_bound_access_tokens: true }), expect: 404 },
  { route: 'POST /v1/revocations', role: 'responder', payload: () => ({ target: 'jti', value: 'matrix-jti', reason: 'role matrix' }), expect: 202 },
  {
    route: 'POST /v1/revocations::batch',
    role: 'responder',
    url: () => '/v1/revocations:batch',
    payload: () => ({ targets: [{ target: 'jti', value: 'matrix-batch-jti' }], reason: 'role matrix' }),
    expect: 202,
  },
  // Past the guard, an unknown session is a 404.
  { route: 'POST /v1/sessions/:sid/revoke', role: 'responder', url: () => '/v1/sessions/matrix-sid/revoke', payload: reason, expect: 404 },
  { route: 'POST /v1/issuers', role: 'security-admin', payload: () => ({ issuer: 'https://matrix.example.test/realms/a' }), expect: 201 },
  // Past the guard, an unregistered issuer is a 404.
  { route: 'POST /v1/issuers/:issuer/disable', role: 'security-admin', url: () => `/v1/issuers/${encodeURIComponent('https://nobody.test')}/disable`, payload: () => ({}), expect: 404 },
  { route: 'POST /v1/issuers/:issuer/enable', role: 'security-admin', url: () => `/v1/issuers/${encodeURIComponent('https://nobody.test')}/enable`, payload: () => ({}), expect: 404 },
  // Past the guard: discovery of a port nobody listens on fails (502); unknown transmitters are 404.
  { route: 'POST /v1/ssf/transmitters', role: 'security-admin', payload: () => ({ id: 'matrix', config_url: 'http://127.0.0.1:9/.well-known/ssf-configuration', client_id: 'c', client_secret: 's' }), expect: 502 },
  { route: 'POST /v1/ssf/transmitters/:id/refresh', role: 'security-admin', url: () => '/v1/ssf/transmitters/nobody/refresh', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/ssf/transmitters/:id/verify', role: 'security-admin', url: () => '/v1/ssf/transmitters/nobody/verify', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/ssf/transmitters/:id/remove', role: 'security-admin', url: () => '/v1/ssf/transmitters/nobody/remove', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/ssf/transmitters/:id/rotate-push-authorization', role: 'security-admin', url: () => '/v1/ssf/transmitters/nobody/rotate-push-authorization', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/ssf/transmitters/:id/status', role: 'security-admin', url: () => '/v1/ssf/transmitters/nobody/status', payload: () => ({ status: 'paused' }), expect: 404 },
  { route: 'POST /v1/keys/rotate', role: 'security-admin', payload: reason, expect: 201 },
  // Default policy: a second security-admin must approve a compromise (202 pending).
  { route: 'POST /v1/keys/:kid/compromise', role: 'security-admin', url: (f) => `/v1/keys/${activeKid(f)}/compromise`, payload: reason, expect: 202 },
  { route: 'POST /v1/rotations/:id/rollback', role: 'security-admin', url: () => '/v1/rotations/no-such-rotation/rollback', payload: reason, expect: 404 },
  { route: 'POST /v1/event-signers/rotate', role: 'security-admin', payload: reason, expect: 201 },
  // The test authority has no broker to inspect, hence no snapshot publisher.
  { route: 'POST /v1/snapshots', role: 'security-admin', payload: reason, expect: 503 },
  // Default policy: a policy change waits for a second security-admin (202 pending).
  { route: 'PUT /v1/policy', role: 'security-admin', payload: () => ({ policy: {} }), expect: 202 },
  { route: 'POST /v1/operators', role: 'security-admin', payload: () => ({ username: `matrix-${Date.now()}`, role: 'viewer' }), expect: 201 },
  // Default policy: raising a role, re-enabling and resetting a second factor wait for a second security-admin.
  privilegeChange('role', { role: 'responder' }),
  privilegeChange('enable', {}),
  privilegeChange('reset-second-factor', {}),
  // A new code for an operator who has not enrolled yet.
  {
    route: 'POST /v1/operators/:username/enrolment',
    role: 'security-admin',
    url: () => '/v1/operators/matrix-invited/enrolment',
    payload: (f) => {
      if (!f.authority.core.operators.list().some((o) => o.username === 'matrix-invited')) {
        f.authority.core.operators.add({ username: 'matrix-invited', role: 'viewer' }, systemAuditContext('role-matrix', 'an operator yet to enrol'));
      }
      return {};
    },
    expect: 201,
  },
  {
    route: 'POST /v1/operators/:username/disable',
    role: 'security-admin',
    url: () => '/v1/operators/matrix-victim/disable',
    payload: async (f) => {
      await f.newOperator('viewer', 'matrix-victim').catch(() => undefined);
      return {};
    },
    expect: 200,
  },
  { route: 'POST /v1/approvals/:id/approve', role: 'security-admin', url: () => '/v1/approvals/no-such-approval/approve', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/approvals/:id/deny', role: 'security-admin', url: () => '/v1/approvals/no-such-approval/deny', payload: () => ({}), expect: 404 },
  { route: 'POST /v1/incidents', role: 'responder', payload: () => ({ title: 'role matrix', severity: 'low' }), expect: 201 },
  // Past the guard, an unknown incident is a 404.
  { route: 'PATCH /v1/incidents/:id', role: 'responder', url: () => '/v1/incidents/matrix-nobody', payload: () => ({ status: 'contained' }), expect: 404 },
  { route: 'POST /v1/incidents/:id/links', role: 'responder', url: () => '/v1/incidents/matrix-nobody/links', payload: () => ({ kind: 'revocation', id: 'r' }), expect: 404 },
  { route: 'POST /v1/incidents/:id/follow-ups', role: 'responder', url: () => '/v1/incidents/matrix-nobody/follow-ups', payload: () => ({ text: 'rotate the CI secret' }), expect: 404 },
  { route: 'PATCH /v1/incidents/:id/follow-ups/:followUpId', role: 'responder', url: () => '/v1/incidents/matrix-nobody/follow-ups/f1', payload: () => ({ status: 'done' }), expect: 404 },
  { route: 'POST /v1/incidents/:id/comms', role: 'responder', url: () => '/v1/incidents/matrix-nobody/comms', payload: () => ({ audience: 'engineers' }), expect: 404 },
  { route: 'POST /v1/kill-switch', role: 'security-admin', payload: () => ({ audience: 'matrix-api', lockdown: false }), expect: 202 },
  // The engage above waits for its approval, so there is nothing to lift: past the guard, a 409.
  { route: 'POST /v1/kill-switch/lift', role: 'security-admin', payload: () => ({ audience: 'matrix-api' }), expect: 409 },
  // Session routes: any operator, for its own session (no step-up, no justification).
  {
    route: 'POST /v1/login/step-up',
    role: 'viewer',
    payload: async (f, caller) => {
      f.clock.advance(30_000); // the login used this step's code: a code is good once
      return { totp: await f.totp(caller) };
    },
    expect: 200,
  },
  { route: 'POST /v1/logout', role: 'viewer', expect: 204 },
];

/** Every guarded (not @Public) route of the app that is not a GET/HEAD, as `METHOD /path`. */
function guardedWriteRoutes(f: AuthorityFixture): string[] {
  const routes: string[] = [];
  const join = (...parts: unknown[]): string =>
    '/' + parts.filter((p): p is string => typeof p === 'string' && p !== '' && p !== '/').map((p) => p.replace(/^\/|\/$/g, '')).join('/');
  for (const module of f.authority.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (typeof type !== 'function') continue;
      const base: unknown = Reflect.getMetadata(PATH_METADATA, type);
      const classPublic = Reflect.getMetadata(IS_PUBLIC, type) === true;
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        const verb = RequestMethod[method];
        if (verb === 'GET' || verb === 'HEAD' || classPublic || Reflect.getMetadata(IS_PUBLIC, handler) === true) continue;
        routes.push(`${verb} ${join(base, path)}`);
      }
    }
  }
  return routes.sort();
}

describe('role × action matrix', () => {
  let f: AuthorityFixture;
  beforeAll(async () => {
    f = await startTestAuthority();
  });
  afterAll(() => f.close());

  const send = async (row: RouteCase, as: TestOperator | null, caller: TestOperator) => {
    const method = row.route.split(' ')[0] as 'POST' | 'PUT' | 'PATCH';
    const url = row.url?.(f) ?? row.route.split(' ')[1]!;
    const payload = await row.payload?.(f, caller);
    return f.request({ method, url, payload, as });
  };

  it('lists every guarded write route of the app', () => {
    expect(WRITE_ROUTES.map((r) => r.route).sort()).toEqual(guardedWriteRoutes(f));
  });

  describe.each(WRITE_ROUTES.map((row) => [row.route, row] as const))('%s', (_route, row) => {
    it('401 UNAUTHORIZED without a token', async () => {
      const caller = await f.operator('viewer');
      const res = await send(row, null, caller);
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    const below = ROLES.slice(0, ROLES.indexOf(row.role));
    if (below.length > 0) {
      it.each(below)(`403 FORBIDDEN for %s (below ${row.role})`, async (role) => {
        const caller = await f.operator(role);
        const res = await send(row, caller, caller);
        expect(res.statusCode).toBe(403);
        expect(JSON.parse(res.body)).toMatchObject({ code: 'FORBIDDEN' });
      });
    }

    it(`passes the guard for ${row.role} (${row.expect})`, async () => {
      const caller = await f.newOperator(row.role);
      const res = await send(row, caller, caller);
      expect(res.statusCode).not.toBe(401);
      expect(res.statusCode).not.toBe(403);
      expect({ status: res.statusCode, body: res.statusCode === row.expect ? '' : res.body }).toEqual({ status: row.expect, body: '' });
    });
  });
});
