import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RequestMethod, type Type } from '@nestjs/common';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { ModulesContainer } from '@nestjs/core';
import { z } from 'zod';
import { REQUIRED_ROLE } from '../auth/require-role.decorator';
import { IS_PUBLIC } from '../auth/public.decorator';
import { IS_SESSION_ROUTE } from '../auth/session-route.decorator';
import { API_OPERATION, type OperationDoc } from './api-operation.decorator';
import { openApiPath } from './openapi-path';

/** A controller route as Nest's decorators describe it. */
export interface NestRoute {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** OpenAPI path template, e.g. `/v1/revocations/{id}`. */
  readonly path: string;
  /** `Controller.handler`, for messages and `operationId`. */
  readonly handler: string;
  /** The route's `@ApiOperation`, if it has one. */
  readonly doc: OperationDoc | undefined;
  readonly public: boolean;
  readonly sessionRoute: boolean;
  readonly role: string | undefined;
  /** `@HttpCode`, if set. */
  readonly httpCode: number | undefined;
  /** The zod schema of the body pipe (a pipe with a zod `schema` member, as `ZodBodyPipe`). */
  readonly bodySchema: z.ZodType | undefined;
  /** Names of `@Query('name')` parameters. */
  readonly query: readonly string[];
}

interface RouteArg {
  readonly index: number;
  readonly data?: unknown;
  readonly pipes?: readonly unknown[];
}

function paths(value: unknown): string[] {
  if (value === undefined) return [''];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

function zodSchemaOf(pipe: unknown): z.ZodType | undefined {
  const schema = (pipe as { schema?: unknown } | null)?.schema;
  return schema instanceof z.ZodType ? schema : undefined;
}

function metadata<T>(key: string, target: object): T | undefined {
  return Reflect.getMetadata(key, target) as T | undefined;
}

/** Every route of every controller of the app, from the metadata Nest routes by. */
export function nestRoutes(modules: ModulesContainer): NestRoute[] {
  const routes: NestRoute[] = [];
  const seen = new Set<Type>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (controller === null || seen.has(controller)) continue;
      seen.add(controller);
      const prototype = controller.prototype as Record<string, unknown>;
      const classPublic = metadata<boolean>(IS_PUBLIC, controller) === true;
      const classRole = metadata<string>(REQUIRED_ROLE, controller);
      const classSession = metadata<boolean>(IS_SESSION_ROUTE, controller) === true;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value as object | undefined;
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = metadata<RequestMethod>(METHOD_METADATA, handler);
        if (method === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, RouteArg>;
        const argsOf = (type: RouteParamtypes): RouteArg[] => Object.entries(args).filter(([key]) => key.split(':')[0] === String(type)).map(([, arg]) => arg);
        const bodySchema = argsOf(RouteParamtypes.BODY)
          .flatMap((arg) => arg.pipes ?? [])
          .map(zodSchemaOf)
          .find((schema) => schema !== undefined);
        const query = argsOf(RouteParamtypes.QUERY)
          .map((arg) => arg.data)
          .filter((data): data is string => typeof data === 'string');
        for (const base of paths(metadata(PATH_METADATA, controller))) {
          for (const sub of paths(metadata(PATH_METADATA, handler))) {
            routes.push({
              method: RequestMethod[method],
              path: openApiPath(`${base}/${sub}`),
              handler: `${controller.name}.${name}`,
              doc: metadata<OperationDoc>(API_OPERATION, handler),
              public: metadata<boolean>(IS_PUBLIC, handler) ?? classPublic,
              sessionRoute: (metadata<boolean>(IS_SESSION_ROUTE, handler) ?? false) || classSession,
              role: metadata<string>(REQUIRED_ROLE, handler) ?? classRole,
              httpCode: metadata<number>(HTTP_CODE_METADATA, handler),
              bodySchema,
              query,
            });
          }
        }
      }
    }
  }
  return routes;
}
