import type { RevmeshRequestContext } from '../internal/http/request-context';

/*
 * Types `req.revmesh` in Express handlers. Express's own types merge the global `Express`
 * namespace into their Request, so this needs no import of express (when @types/express is not
 * installed it declares an interface nobody reads).
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the global namespace is how @types/express is augmented
  namespace Express {
    interface Request {
      revmesh?: RevmeshRequestContext;
    }
  }
}

export {};
