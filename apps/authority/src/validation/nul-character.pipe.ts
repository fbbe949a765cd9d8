import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { ProblemException } from '../problems/problem';
import { nulCharacterErrors } from './nul-characters';

/**
 * Global pipe: a path parameter or query value holding the NUL character (`%00`) is a 400
 * problem naming it. PostgreSQL's client cuts such a text at the NUL (`svc\u0000x` would address
 * `svc`), SQLite keeps it whole; refused here, both engines behave alike. Bodies are checked by
 * {@link ZodBodyPipe}, which names their fields by the schema's paths.
 */
export class NulCharacterPipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'param' && metadata.type !== 'query') return value;
    const errors = nulCharacterErrors(value, metadata.data ?? '');
    if (errors.length > 0) throw new ProblemException('INVALID_REQUEST', `invalid ${errors.map((e) => e.field).join(', ')}`, { errors });
    return value;
  }
}
