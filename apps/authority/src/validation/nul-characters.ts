import type { FieldError } from '../problems/problem';

/** What a field holding a NUL character is told. */
export const NUL_CHARACTER_MESSAGE = 'must not contain the NUL character (\\u0000)';

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/**
 * One error per string (or object key) of a parsed JSON body that contains U+0000, named by its
 * path as zod names fields (`targets[3].value`). PostgreSQL's text type cannot hold that
 * character (it refuses the statement) while SQLite stores it, so the HTTP layer refuses it on
 * both engines alike, before anything reaches the store.
 */
export function nulCharacterErrors(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: path === '' ? '(body)' : path, message: NUL_CHARACTER_MESSAGE }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulCharacterErrors(item, child(path, i)));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const field = child(path, key);
    const own: FieldError[] = key.includes('\u0000') ? [{ field, message: `is a key that ${NUL_CHARACTER_MESSAGE}` }] : [];
    return [...own, ...nulCharacterErrors(item, field)];
  });
}
