import { ProblemException } from '../problems/problem';

/** Parses a `?limit=` query parameter: a whole number in 1..max, `fallback` when absent. */
export function parseLimit(value: string | undefined, fallback = 50, max = 500): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new ProblemException('INVALID_REQUEST', `invalid limit`, { errors: [{ field: 'limit', message: `must be a whole number in 1..${max}` }] });
  }
  return Number(value);
}
