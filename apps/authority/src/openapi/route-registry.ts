import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { openApiPath } from './openapi-path';

/** A route as Fastify registered it. */
export interface RegisteredRoute {
  readonly method: string;
  /** OpenAPI path template (see `openApiPath`). */
  readonly path: string;
}

/**
 * Every route Fastify registers, Nest's and raw ones alike (`/metrics`), recorded by an `onRoute`
 * hook. Nest creates providers before `app.init()` registers the routes, so the hook sees them
 * all. The document lists the raw ones it knows; the OpenAPI spec compares the rest.
 */
@Injectable()
export class RouteRegistry {
  private readonly recorded: RegisteredRoute[] = [];

  constructor(adapterHost: HttpAdapterHost) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        this.recorded.push({ method: String(method).toUpperCase(), path: openApiPath(route.url) });
      }
    });
  }

  /** The registered routes, without the HEAD twins Fastify adds to every GET route. */
  routes(): RegisteredRoute[] {
    const gets = new Set(this.recorded.filter((r) => r.method === 'GET').map((r) => r.path));
    return this.recorded.filter((r) => !(r.method === 'HEAD' && gets.has(r.path)));
  }
}
