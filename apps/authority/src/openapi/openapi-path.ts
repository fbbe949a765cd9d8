/**
 * A Nest/Fastify route path as an OpenAPI path template: `:name` → `{name}`, `::` (Fastify's
 * escaped colon, as in `/v1/revocations::batch`) → a literal `:`, a trailing `*` wildcard →
 * `{path}`. The OpenAPI spec applies it to Fastify's own route table too, so both sides agree.
 */
export function openApiPath(routePath: string): string {
  const joined = `/${routePath.split('/').filter((s) => s.length > 0).join('/')}`;
  // Split on the escaped colons so only real parameters become templates.
  return joined
    .split('::')
    .map((part) => part.replace(/:([A-Za-z0-9_]+)/g, '{$1}'))
    .join(':')
    .replace(/\*$/, '{path}');
}

/** The names of a path template's parameters, in order. */
export function pathParameters(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
}
