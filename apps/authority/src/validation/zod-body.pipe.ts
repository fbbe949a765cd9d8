import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ProblemException, type FieldError } from '../problems/problem';
import { nulCharacterErrors } from './nul-characters';

function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/** Turns zod issues into one `{ field, message }` per offending field (unknown keys one each). */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), message: 'is not a known field' }));
    }
    const field = issue.path.length === 0 ? '(body)' : fieldPath(issue.path);
    return [{ field, message: issue.message }];
  });
}

/** Says "is required" for a missing field instead of zod's "expected string, received undefined". */
const messages: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined
    ? issue.path?.length
      ? 'is required'
      : 'a JSON object body is required'
    : undefined;

/**
 * Validates a request body against a (strict) zod schema. A failure is a 400 problem naming
 * every offending field; nothing reaches the handler, so nothing is stored. A text holding a NUL
 * character is refused first, whatever the schema says ({@link nulCharacterErrors}).
 */
export class ZodBodyPipe<T> implements PipeTransform<unknown, T> {
  /** Public: `GET /openapi.json` documents the route's body with it. */
  constructor(readonly schema: z.ZodType<T>) {}

  transform(value: unknown): T {
    const nul = nulCharacterErrors(value);
    if (nul.length > 0) throw new ProblemException('INVALID_REQUEST', `invalid ${nul.map((e) => e.field).join(', ')}`, { errors: nul });
    const result = this.schema.safeParse(value, { error: messages });
    if (result.success) return result.data;
    const errors = fieldErrors(result.error);
    throw new ProblemException('INVALID_REQUEST', `invalid ${errors.map((e) => e.field).join(', ')}`, { errors });
  }
}
