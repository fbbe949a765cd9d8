import { policyFieldPath } from './policy-validation';

/** One field that differs between two policy versions. `null` stands for "absent". */
export interface PolicyChange {
  /** Dotted path, as in validation errors: `approvals.windowSeconds`, `tokens.audiences.api.lifetimeSeconds`. */
  readonly field: string;
  readonly old: unknown;
  readonly new: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The fields that differ between two policies, in a stable order. Objects are compared field by
 * field (so adding one audience is one change at `tokens.audiences.<name>`); arrays and scalars
 * as whole values (a changed `approvals.requiredFor` shows the old and the new list).
 */
export function policyChanges(before: unknown, after: unknown): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const walk = (a: unknown, b: unknown, path: readonly string[]): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], [...path, key]);
      return;
    }
    if (!same(a, b)) changes.push({ field: policyFieldPath(path), old: a ?? null, new: b ?? null });
  };
  walk(before, after, []);
  return changes;
}
